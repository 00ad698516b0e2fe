/* csv2xlsx.c - the bench's CSV as a workbook saved the way Excel saves one: text in the
 * shared strings, YYYY-MM-DD dates as date cells (numbers with a date format), one sheet.
 * For the generator's CSV only (no quoted fields).
 *
 *   cc -O2 -o csv2xlsx bench/csv2xlsx.c $(pkg-config --cflags --libs xlsxwriter)
 *   csv2xlsx IN.csv OUT.xlsx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

static int is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: csv2xlsx IN.csv OUT.xlsx\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    lxw_workbook *wb = f ? workbook_new(argv[2]) : NULL;
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    if (!ws) {
        perror(argv[1]);
        return 1;
    }
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    char line[4096];
    lxw_row_t row = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        lxw_col_t col = 0;
        for (char *p = line, *next; p; p = next, col++) {
            char *comma = strchr(p, ',');
            next = comma ? comma + 1 : NULL;
            if (comma)
                *comma = '\0';
            if (!*p)
                continue;
            if (row > 0 && is_date(p)) {
                lxw_datetime d = {atoi(p), atoi(p + 5), atoi(p + 8), 0, 0, 0};
                worksheet_write_datetime(ws, row, col, &d, date);
            } else {
                worksheet_write_string(ws, row, col, p, NULL);
            }
        }
        row++;
    }
    fclose(f);
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : 1;
}
