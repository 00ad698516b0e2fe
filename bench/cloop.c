/* cloop.c - the tabulation benchmark's floor: the same cross-tab as bench/flow_sql.sh
 * (requests by body, year, row and applicant) as a plain C loop over packed columns in
 * memory. The CSVs are read into the columns first (not timed: the other tools have
 * their tables too); then the loop is timed, and it prints "seconds S" and the cells as
 * "body|year|row|applicant|count" lines.
 *
 *   cc -O2 -o bench/data/cloop bench/cloop.c && bench/data/cloop FIRST LAST FILE.csv...
 *
 * Columns as the generator writes them: 编号,收到日期,申请人类型,办结日期,办理结果,机关. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXB 4096
#define MAXO 64
static const char *const app_label[] = {"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"};
static const char *const app_code[] = {"person", "business", "research", "ngo", "legal", "other"};
enum { NAPP = 6 };

static char *bodies[MAXB], *outcomes[MAXO];
static int nbodies, noutcomes;

static int intern(char **list, int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    if (*n == max) {
        fprintf(stderr, "cloop: more than %d distinct values\n", max);
        exit(2);
    }
    list[*n] = strdup(s);
    return (*n)++;
}

/* days since 1970-01-01 of "YYYY-MM-DD", 0 for "" */
static int32_t day(const char *s)
{
    if (!*s)
        return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 + 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: cloop FIRST LAST FILE.csv...\n");
        return 2;
    }
    int first = atoi(argv[1]), last = atoi(argv[2]), ny = last - first + 1;
    size_t n = 0, cap = 1 << 20;
    uint16_t *body = malloc(cap * 2);
    int32_t *recv = malloc(cap * 4), *closed = malloc(cap * 4);
    uint8_t *app = malloc(cap), *out = malloc(cap);
    char line[1024];
    for (int f = 3; f < argc; f++) {
        FILE *in = fopen(argv[f], "r");
        if (!in || !fgets(line, sizeof line, in)) {
            fprintf(stderr, "cloop: cannot read %s\n", argv[f]);
            return 2;
        }
        while (fgets(line, sizeof line, in)) {
            char *col[6], *p = line;
            line[strcspn(line, "\r\n")] = '\0';
            for (int c = 0; c < 6; c++) {
                col[c] = p;
                p = strchr(p, ',');
                if (p)
                    *p++ = '\0';
                else
                    p = line + strlen(line);
            }
            if (n == cap) {
                cap *= 2;
                body = realloc(body, cap * 2), recv = realloc(recv, cap * 4);
                closed = realloc(closed, cap * 4), app = realloc(app, cap), out = realloc(out, cap);
            }
            body[n] = (uint16_t)intern(bodies, &nbodies, MAXB, col[5]);
            recv[n] = day(col[1]);
            closed[n] = day(col[3]);
            int a = NAPP - 1;
            for (int i = 0; i < NAPP; i++)
                if (strcmp(col[2], app_label[i]) == 0)
                    a = i;
            app[n] = (uint8_t)a;
            out[n] = (uint8_t)(*col[4] ? intern(outcomes, &noutcomes, MAXO, col[4]) : 255);
            n++;
        }
        fclose(in);
    }
    /* rows: 0 new, 1 carried_in, 2 closed, 3 carried_out, 4 + outcome */
    int nrows = 4 + noutcomes;
    int32_t *ys = malloc((size_t)(ny + 1) * 4);
    for (int y = 0; y <= ny; y++) {
        char d[16];
        snprintf(d, sizeof d, "%04d-01-01", first + y);
        ys[y] = day(d);
    }
    size_t ncells = (size_t)nbodies * (size_t)ny * (size_t)nrows * NAPP;
    uint32_t *cells = calloc(ncells, 4);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        int32_t o = recv[i], c = closed[i];
        int y0 = 0;
        while (y0 < ny && o >= ys[y0 + 1])
            y0++;
        for (int y = y0; y < ny; y++) {
            int32_t s = ys[y], e = ys[y + 1] - 1;
            if (o > e)
                break;
            if (c && c < s)
                break;
            uint32_t *b = cells + (((size_t)body[i] * (size_t)ny + (size_t)y) * (size_t)nrows) * NAPP + app[i];
            if (o >= s)
                b[0 * NAPP]++;
            else
                b[1 * NAPP]++;
            if (c && c <= e) {
                b[2 * NAPP]++;
                if (out[i] != 255)
                    b[(4 + out[i]) * NAPP]++;
            } else {
                b[3 * NAPP]++;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("seconds %.4f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    static const char *const state[] = {"new", "carried_in", "closed", "carried_out"};
    for (int b = 0; b < nbodies; b++)
        for (int y = 0; y < ny; y++)
            for (int r = 0; r < nrows; r++)
                for (int a = 0; a < NAPP; a++) {
                    uint32_t v = cells[(((size_t)b * (size_t)ny + (size_t)y) * (size_t)nrows + (size_t)r) * NAPP + (size_t)a];
                    if (v)
                        printf("%s|%d|%s|%s|%u\n", bodies[b], first + y, r < 4 ? state[r] : outcomes[r - 4],
                               app_code[a], v);
                }
    return 0;
}
