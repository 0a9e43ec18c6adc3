#include "zpscan/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* a value of "THRESHOLD,ALIGNMENT" in bytes, alignment > 0 */
static int align_ok(const char *v)
{
    unsigned long long a, b;
    char tail;
    return sscanf(v, "%llu,%llu%c", &a, &b, &tail) == 2 && b > 0 && v[0] != '-' && !strchr(v, ' ');
}

static int positive_ok(const char *v)
{
    char *end;
    const long k = strtol(v, &end, 10);
    return !*end && k > 0 && k < 1000000;
}

static int dir_ok(const char *v)
{
    struct stat sb;
    return stat(v, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static const struct {
    const char *name;
    const char *accepted;       /* "a|b|c": the words, or NULL: checked by `ok` */
    int (*ok)(const char *);
    const char *what;           /* for the message */
} vars[] = {
    {"ZPSCAN_SCHEDULE", "static|dynamic", NULL, "static or dynamic (tile hand-out within a node)"},
    {"ZPSCAN_WRITEBACK", "flush|start|off|0", NULL, "flush, start, off or 0"},
    {"ZPSCAN_H5_TILE_IO", "independent|collective", NULL, "independent or collective"},
    {"ZPSCAN_H5_ALIGN", NULL, align_ok, "THRESHOLD,ALIGNMENT in bytes (alignment > 0), e.g. 16777216,1048576"},
    {"ZPSCAN_DATADIR", NULL, dir_ok, "an existing directory (the data files' defaults)"},
    {"ZPSCAN_TEST_RANKS_PER_NODE", NULL, positive_ok, "a positive integer (tests: ranks per emulated node)"},
};

static int word_in(const char *v, const char *list)
{
    const size_t n = strlen(v);
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        const size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == n && strncmp(p, v, n) == 0) return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

zp_status zp_env_check(void)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
        const char *v = getenv(vars[i].name);
        if (!v || !*v) continue;
        const int good = vars[i].ok ? vars[i].ok(v) : word_in(v, vars[i].accepted);
        if (!good)
            ZP_FAIL(ZP_EINPUT, "environment variable %s='%s': not an accepted value (%s)", vars[i].name, v,
                    vars[i].what);
    }
    return ZP_OK;
}
