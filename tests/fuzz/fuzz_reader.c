/* fuzz_reader.c - libFuzzer target: the row reader (reader.c) on any bytes, as a file.
 * Built twice by `make fuzz`: fuzz_csv, and fuzz_xlsx (-DFUZZ_XLSX: inputs that are zip
 * archives, which the reader reads as XLSX). Every row is read to the end; a crash, a
 * leak or undefined behaviour is a finding. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_XLSX
    if (size < 4 || memcmp(data, "PK\3\4", 4) != 0)
        return 0;
#endif
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    nb_reader *r = NULL;
    if (nb_reader_open(path, NULL, &r, err, sizeof err) == NB_OK) {
        size_t n;
        char **fields;
        long line;
        size_t total = 0;
        while (nb_reader_next(r, &n, &fields, &line, err, sizeof err) == NB_OK)
            for (size_t i = 0; i < n; i++)
                total += strlen(fields[i]); /* touch every field */
        (void)total;
        nb_reader_close(r);
    }
    close(fd);
    return 0;
}
