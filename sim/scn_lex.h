/* scn_lex.h — the lexical layer of the scenario parser: splitting the text
 * into lines and tokens, reading numbers, durations and probabilities, and
 * quoting bytes for error messages. Nothing here knows what a directive
 * is; sim/scenario.c does. Internal to sim/ (the fuzz target uses it to
 * check round trips).
 *
 * Everything works on (pointer, length) spans that are not NUL-terminated,
 * never reads outside them, allocates nothing and uses no floating point. */
#ifndef PODSIM_SCN_LEX_H
#define PODSIM_SCN_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of the file, without its "\n" or "\r\n". */
typedef struct scn_line {
    const char *ptr;
    size_t raw_len;     /* bytes before the line terminator */
    size_t content_len; /* raw_len less the comment and trailing blanks */
    uint32_t number;    /* 1-based */
} scn_line;

/* Walks the text line by line. */
typedef struct scn_reader {
    const char *text;
    size_t len;
    size_t offset;      /* start of the next line */
    uint32_t line_number;
} scn_reader;

void scn_reader_init(scn_reader *r, const char *text, size_t len);

/* Fills *line with the next line; false when the text is exhausted. A final
 * line without a terminator counts; a final "\n" does not start a line. */
bool scn_reader_next(scn_reader *r, scn_line *line);

/* A run of bytes inside a line, and its 1-based byte column. */
typedef struct scn_token {
    const char *ptr;
    size_t len;
    uint32_t col;
} scn_token;

/* A position inside the content of one line. */
typedef struct scn_cursor {
    const char *ptr;
    size_t len;         /* the line's content_len */
    size_t pos;
} scn_cursor;

void scn_cursor_init(scn_cursor *c, const scn_line *line);
bool scn_is_blank(char ch);
void scn_skip_blanks(scn_cursor *c);
/* Skips blanks; true when nothing but blanks remained. */
bool scn_cursor_at_end(scn_cursor *c);
uint32_t scn_cursor_col(const scn_cursor *c);
/* The column just past the line's content: where a missing argument was
 * expected. */
uint32_t scn_cursor_end_col(const scn_cursor *c);

/* Skips blanks and reads a maximal run of non-blank bytes. False (and
 * *tok empty at the end column) when the line has no more tokens. */
bool scn_next_token(scn_cursor *c, scn_token *tok);

/* Skips blanks and reads a maximal run of [A-Za-z0-9_] (a node name inside
 * a partition or block, where ',', '|' and '->' need no spaces). The run may
 * be empty when the next byte is punctuation; false only at the end. */
bool scn_next_word(scn_cursor *c, scn_token *tok);

/* The non-blank run starting at the cursor, without consuming it: what was
 * found where something else was expected. */
scn_token scn_peek_token(const scn_cursor *c);

bool scn_token_is(const scn_token *tok, const char *word);

/* ---- numbers ---- */

typedef enum scn_num_status {
    SCN_NUM_OK = 0,
    SCN_NUM_SYNTAX,     /* empty, or not only decimal digits */
    SCN_NUM_OVERFLOW,   /* does not fit uint64_t */
} scn_num_status;

scn_num_status scn_parse_u64(const char *s, size_t len, uint64_t *out);

typedef enum scn_dur_status {
    SCN_DUR_OK = 0,
    SCN_DUR_SYNTAX,      /* not DIGITS[.DIGITS]UNIT */
    SCN_DUR_NO_UNIT,     /* a number without a unit, e.g. "10" */
    SCN_DUR_BAD_UNIT,    /* a unit other than ns, us, ms, s, m, h */
    SCN_DUR_TOO_PRECISE, /* a fraction of a nanosecond, e.g. "1.5ns" */
    SCN_DUR_OVERFLOW,    /* more than UINT64_MAX nanoseconds */
} scn_dur_status;

/* Parses DIGITS[.DIGITS]UNIT into nanoseconds, exactly, with integers. */
scn_dur_status scn_parse_duration(const char *s, size_t len, uint64_t *ns_out);

typedef enum scn_prob_status {
    SCN_PROB_OK = 0,
    SCN_PROB_SYNTAX,      /* not DIGITS[.DIGITS][%] */
    SCN_PROB_TOO_PRECISE, /* finer than 1 ppm: > 6 decimals, > 4 with '%' */
    SCN_PROB_RANGE,       /* above 1 (or 100%) */
} scn_prob_status;

/* Parses "0", "1", "0.015" or "1.5%" into parts per million. */
scn_prob_status scn_parse_ppm(const char *s, size_t len, uint32_t *ppm_out);

/* ---- messages ---- */

/* Room for a quoted span: 2 quotes, 32 characters of content, "...", NUL. */
#define SCN_QUOTE_SIZE 48u

/* Writes s[0..len) in single quotes, bytes outside printable ASCII as \xNN,
 * cut after ~32 characters with "..." so every message stays bounded. */
void scn_quote(char out[SCN_QUOTE_SIZE], const char *s, size_t len);

/* Room for the longest duration: 20 digits, a unit, NUL. */
#define SCN_DURATION_TEXT_SIZE 24u

/* Writes ns in the largest unit that divides it exactly ("1500ms", "2m",
 * "7ns"), so that scn_parse_duration reads back the same value. */
void scn_format_duration(uint64_t ns, char out[SCN_DURATION_TEXT_SIZE]);

/* The candidate closest to s[0..len) by edit distance (insertions,
 * deletions, substitutions, adjacent swaps), if it is within 2 edits and
 * takes fewer edits than the candidate has bytes; otherwise NULL. Ties go
 * to a candidate with the same bytes reordered, then to the earlier one.
 * For "did you mean". */
const char *scn_suggest(const char *s, size_t len, const char *const *candidates,
                        size_t candidate_count);

#endif
