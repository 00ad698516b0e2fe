/* test_nopdf.c - a build without Pango and Cairo still has a PDF exporter that refuses,
 * naming the Debian packages to install (export_pdf.c compiled here without NB_HAVE_PDF,
 * under another name, beside the real one). */
#undef NB_HAVE_PDF
#define nb_export_pdf nb_export_pdf_without_pango
#include "../../host/export_pdf.c"
#undef nb_export_pdf

#include "t.h"

#include <string.h>
#include <unistd.h>

int main(void)
{
    nb_doc doc = {.title = "t"};
    char err[512] = "";
    nb_err rc = nb_export_pdf_without_pango(&doc, "/tmp/nb-nopdf-never.pdf", err, sizeof err);

    CHECK(rc == NB_ERR_INPUT, "without Pango and Cairo: --to pdf is refused (NB_ERR_INPUT)");
    CHECK(strstr(err, "/tmp/nb-nopdf-never.pdf: this nianbao was built without PDF output") != NULL
              && strstr(err, "libpango1.0-dev") != NULL && strstr(err, "libcairo2-dev") != NULL,
          "the message names the file and the Debian packages to install");
    CHECK(access("/tmp/nb-nopdf-never.pdf", F_OK) != 0, "and writes nothing");
    T_DONE();
}
