/* The INI reader every input and data file goes through: a document of (section, key,
 * value, line) entries with duplicate, syntax and length checks, and the value getters whose
 * errors all read "PATH:LINE: [section] key: what is wrong" (ZP_EINPUT). Library code. */
#ifndef ZPSCAN_INI_H
#define ZPSCAN_INI_H

#include <stddef.h>
#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/error.h"

typedef struct {
    char *sec;  /* section name ("" before any header) */
    char *key;
    char *val;  /* malloc'd, continuation lines appended */
    int line;   /* line of the key */
} zp_ini_ent;

typedef struct {
    char *name;
    int line;
} zp_ini_sec;

typedef struct {
    const char *path;
    zp_ini_sec *secs;
    int nsec, capsec;
    zp_ini_ent *ents;
    int nent, capent;
    int nlines;
} zp_ini_doc;

/* Parse a text (path names it in errors); free d even after a failure. */
zp_status zp_ini_parse(const char *path, const char *text, zp_ini_doc *d);
void zp_ini_free(zp_ini_doc *d);
const zp_ini_sec *zp_ini_section(const zp_ini_doc *d, const char *name);
const zp_ini_ent *zp_ini_get(const zp_ini_doc *d, const char *sec, const char *key);
/* the line of sec/key, else of sec, else 0 */
int zp_ini_line(const zp_ini_doc *d, const char *sec, const char *key);

/* Record and return ZP_EINPUT "path:line: [sec] key: message" (line 0, sec or key NULL: left out). */
zp_status zp_ini_bad(const char *path, int line, const char *sec, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define ZP_INI_BAD(d, e, ...) zp_ini_bad((d)->path, (e)->line, (e)->sec, (e)->key, __VA_ARGS__)

/* Values: a whole-string number, or an input error naming the entry. */
int zp_ini_parse_real(const char *s, double *out);
int zp_ini_parse_int(const char *s, int64_t *out);
zp_status zp_ini_real(const zp_ini_doc *d, const zp_ini_ent *e, double *out);
zp_status zp_ini_int(const zp_ini_doc *d, const zp_ini_ent *e, int64_t *out);
zp_status zp_ini_bool(const zp_ini_doc *d, const zp_ini_ent *e, int *out);
zp_status zp_ini_nonneg(const zp_ini_doc *d, const zp_ini_ent *e, double *out);
/* a comma list split in place into at most max items */
#define ZP_INI_MAX_ITEMS (ZP_AXIS_MAX_LIST + 1)
zp_status zp_ini_list(const zp_ini_doc *d, const zp_ini_ent *e, char *buf, char **items, int max, int *n);
/* a data-file path: absolute as is, else relative to dir */
zp_status zp_ini_join_path(char *out, size_t cap, const char *dir, const char *p);
zp_status zp_ini_path(const zp_ini_doc *d, const zp_ini_ent *e, const char *dir, char *out, size_t cap);
/* the same for sec/key when the input has it (out is left as it is otherwise) */
zp_status zp_ini_file_key(const zp_ini_doc *d, const char *sec, const char *key, const char *dir, char *out,
                          size_t cap);
/* the data directory of the default files: ZPSCAN_DATADIR, else the build's */
const char *zp_ini_data_dir(void);

/* Files: read a whole regular file (0 on success, else errno or ZP_INI_NOT_REGULAR: a FIFO,
 * device or socket, refused before it is opened). zp_ini_strerror says which. */
#define ZP_INI_NOT_REGULAR (-1)
int zp_ini_slurp(const char *path, char **text, size_t *len);
/* 0 if path is a regular file, else its errno, EISDIR or ZP_INI_NOT_REGULAR (before any open) */
int zp_ini_regular(const char *path);
const char *zp_ini_strerror(int err);
/* Read the data file a key of the input names (or its default): errors name the key. */
#define ZP_INI_DEFAULT_HINT " (the default file: set the key, or ZPSCAN_DATADIR to the data directory)"
zp_status zp_ini_read_named(const zp_ini_doc *in, const char *sec, const char *key, const char *path,
                            char **text);
/* ... and parse it into d (the caller frees d on success; on an error nothing is left to free) */
zp_status zp_ini_load_named(const zp_ini_doc *in, const char *sec, const char *key, const char *path,
                            zp_ini_doc *d);
/* A number of a data file's section; *have says whether it is there (required: an error if not). */
zp_status zp_ini_data_real(const zp_ini_doc *d, const char *sec, const char *key, int required, double *out,
                           int *have);

/* [sec] nsigma of a constraint, when given: a number > 0 into *out */
zp_status zp_ini_nsigma(const zp_ini_doc *d, const char *sec, double *out);

/* One measurement-style data file (read as for zp_ini_read_named): section `sec` with the
 * real keys `keys[0..n)` (all required; key k must be > 0 where positive[k]) and a `source`
 * text naming where the numbers come from (required: every number in a data file names its
 * source). Any other section or key is refused. Values into out[], the source into src. */
zp_status zp_ini_data_values(const zp_ini_doc *in, const char *insec, const char *inkey, const char *path,
                             const char *sec, const char *const *keys, const int *positive, int n, double *out,
                             char *src, size_t srccap);

#endif
