/* scn_lex.c — lines, tokens, numbers, durations, probabilities and quoting
 * for the scenario parser. See scn_lex.h. */
#include "sim/scn_lex.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario.h"

#define SCN_PPM_ONE 1000000u /* probability 1 in parts per million */

/* ---- lines ---- */

void scn_reader_init(scn_reader *r, const char *text, size_t len) {
    assert(r != NULL);
    assert(text != NULL || len == 0);
    r->text = text;
    r->len = len;
    r->offset = 0;
    r->line_number = 0;
}

bool scn_is_blank(char ch) {
    return ch == ' ' || ch == '\t';
}

/* A '#' starts a comment only at the start of a line or after a blank, so
 * that a value such as `tag=a#b` keeps its '#'. */
static size_t scn_content_len(const char *p, size_t raw_len) {
    size_t end = raw_len;
    for (size_t i = 0; i < raw_len; i++) {
        if (p[i] == '#' && (i == 0 || scn_is_blank(p[i - 1]))) {
            end = i;
            break;
        }
    }
    while (end > 0 && scn_is_blank(p[end - 1]))
        end--;
    return end;
}

bool scn_reader_next(scn_reader *r, scn_line *line) {
    assert(r->offset <= r->len);
    if (r->offset == r->len)
        return false;
    const char *start = r->text + r->offset;
    size_t rest = r->len - r->offset;
    const char *newline = memchr(start, '\n', rest);
    size_t raw_len = newline != NULL ? (size_t)(newline - start) : rest;
    r->offset += newline != NULL ? raw_len + 1 : raw_len;
    if (raw_len > 0 && start[raw_len - 1] == '\r')
        raw_len--; /* CRLF files */
    r->line_number++;
    line->ptr = start;
    line->raw_len = raw_len;
    line->content_len = scn_content_len(start, raw_len);
    line->number = r->line_number;
    return true;
}

/* ---- tokens ---- */

void scn_cursor_init(scn_cursor *c, const scn_line *line) {
    c->ptr = line->ptr;
    c->len = line->content_len;
    c->pos = 0;
}

void scn_skip_blanks(scn_cursor *c) {
    while (c->pos < c->len && scn_is_blank(c->ptr[c->pos]))
        c->pos++;
}

bool scn_cursor_at_end(scn_cursor *c) {
    scn_skip_blanks(c);
    return c->pos == c->len;
}

uint32_t scn_cursor_col(const scn_cursor *c) {
    return (uint32_t)c->pos + 1;
}

uint32_t scn_cursor_end_col(const scn_cursor *c) {
    return (uint32_t)c->len + 1;
}

scn_token scn_peek_token(const scn_cursor *c) {
    size_t end = c->pos;
    while (end < c->len && !scn_is_blank(c->ptr[end]))
        end++;
    scn_token tok = {c->ptr + c->pos, end - c->pos, scn_cursor_col(c)};
    return tok;
}

bool scn_next_token(scn_cursor *c, scn_token *tok) {
    scn_skip_blanks(c);
    *tok = scn_peek_token(c);
    c->pos += tok->len;
    return tok->len > 0;
}

static bool scn_is_word_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

bool scn_next_word(scn_cursor *c, scn_token *tok) {
    scn_skip_blanks(c);
    size_t start = c->pos;
    while (c->pos < c->len && scn_is_word_char(c->ptr[c->pos]))
        c->pos++;
    tok->ptr = c->ptr + start;
    tok->len = c->pos - start;
    tok->col = (uint32_t)start + 1;
    return start < c->len;
}

bool scn_token_is(const scn_token *tok, const char *word) {
    size_t n = strlen(word);
    return tok->len == n && memcmp(tok->ptr, word, n) == 0;
}

/* ---- numbers ---- */

static bool scn_is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

static size_t scn_digits_end(const char *s, size_t len, size_t i) {
    while (i < len && scn_is_digit(s[i]))
        i++;
    return i;
}

/* value = value * 10 + digit, false on overflow. */
static bool scn_push_digit(uint64_t *value, char digit) {
    uint64_t d = (uint64_t)(digit - '0');
    if (*value > (UINT64_MAX - d) / 10)
        return false;
    *value = *value * 10 + d;
    return true;
}

scn_num_status scn_parse_u64(const char *s, size_t len, uint64_t *out) {
    if (len == 0 || scn_digits_end(s, len, 0) != len)
        return SCN_NUM_SYNTAX;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!scn_push_digit(&value, s[i]))
            return SCN_NUM_OVERFLOW;
    }
    *out = value;
    return SCN_NUM_OK;
}

typedef struct scn_unit {
    const char *name;
    uint64_t ns;
} scn_unit;

/* Largest first, for scn_format_duration. */
static const scn_unit scn_units[] = {
    {"h", UINT64_C(3600000000000)},
    {"m", UINT64_C(60000000000)},
    {"s", UINT64_C(1000000000)},
    {"ms", UINT64_C(1000000)},
    {"us", UINT64_C(1000)},
    {"ns", UINT64_C(1)},
};
#define SCN_UNIT_COUNT (sizeof scn_units / sizeof scn_units[0])

static const scn_unit *scn_find_unit(const char *s, size_t len) {
    for (size_t i = 0; i < SCN_UNIT_COUNT; i++) {
        if (strlen(scn_units[i].name) == len && memcmp(scn_units[i].name, s, len) == 0)
            return &scn_units[i];
    }
    return NULL;
}

static bool scn_all_letters(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    }
    return true;
}

/* The nanoseconds that fraction digits f[0..n) of one unit stand for.
 * Each digit takes a tenth of the previous scale; once the scale is below
 * 10 ns only zero digits are exact. The result is < unit_ns. */
static scn_dur_status scn_fraction_ns(const char *f, size_t n, uint64_t unit_ns, uint64_t *out) {
    uint64_t scale = unit_ns;
    uint64_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(f[i] - '0');
        if (scale % 10 == 0) {
            scale /= 10;
            ns += d * scale;
        } else if (d != 0) {
            return SCN_DUR_TOO_PRECISE;
        }
    }
    *out = ns;
    return SCN_DUR_OK;
}

scn_dur_status scn_parse_duration(const char *s, size_t len, uint64_t *ns_out) {
    assert(s != NULL || len == 0);
    /* Shape first: DIGITS [ '.' DIGITS ] UNIT. */
    size_t int_end = scn_digits_end(s, len, 0);
    if (int_end == 0)
        return SCN_DUR_SYNTAX;
    size_t frac_start = int_end, frac_end = int_end;
    if (int_end < len && s[int_end] == '.') {
        frac_start = int_end + 1;
        frac_end = scn_digits_end(s, len, frac_start);
        if (frac_end == frac_start)
            return SCN_DUR_SYNTAX;
    }
    if (frac_end == len)
        return SCN_DUR_NO_UNIT;
    const scn_unit *unit = scn_find_unit(s + frac_end, len - frac_end);
    if (unit == NULL)
        return scn_all_letters(s + frac_end, len - frac_end) ? SCN_DUR_BAD_UNIT : SCN_DUR_SYNTAX;

    /* Then the value, exactly: whole * unit + fraction. */
    uint64_t whole = 0;
    for (size_t i = 0; i < int_end; i++) {
        if (!scn_push_digit(&whole, s[i]))
            return SCN_DUR_OVERFLOW;
    }
    uint64_t frac_ns = 0;
    scn_dur_status st = scn_fraction_ns(s + frac_start, frac_end - frac_start, unit->ns, &frac_ns);
    if (st != SCN_DUR_OK)
        return st;
    if (whole > UINT64_MAX / unit->ns)
        return SCN_DUR_OVERFLOW;
    uint64_t ns = whole * unit->ns;
    if (ns > UINT64_MAX - frac_ns)
        return SCN_DUR_OVERFLOW;
    *ns_out = ns + frac_ns;
    return SCN_DUR_OK;
}

bool pod_parse_duration(const char *text, size_t len, uint64_t *ns_out) {
    assert(ns_out != NULL);
    return scn_parse_duration(text, len, ns_out) == SCN_DUR_OK;
}

/* A probability is a fixed-point number: 6 decimals for a fraction of 1 and
 * 4 for a percentage, both of which make one unit of the last decimal
 * exactly 1 ppm. */
scn_prob_status scn_parse_ppm(const char *s, size_t len, uint32_t *ppm_out) {
    bool percent = len > 0 && s[len - 1] == '%';
    size_t n = percent ? len - 1 : len;
    size_t decimals_max = percent ? 4 : 6;
    uint64_t whole_max = percent ? 100 : 1;

    size_t int_end = scn_digits_end(s, n, 0);
    if (int_end == 0)
        return SCN_PROB_SYNTAX;
    size_t frac_start = int_end, frac_end = int_end;
    if (int_end < n && s[int_end] == '.') {
        frac_start = int_end + 1;
        frac_end = scn_digits_end(s, n, frac_start);
        if (frac_end == frac_start)
            return SCN_PROB_SYNTAX;
    }
    if (frac_end != n)
        return SCN_PROB_SYNTAX;

    uint64_t whole = 0;
    for (size_t i = 0; i < int_end; i++) {
        if (!scn_push_digit(&whole, s[i]) || whole > whole_max)
            return SCN_PROB_RANGE;
    }
    size_t decimals = frac_end - frac_start;
    if (decimals > decimals_max)
        return SCN_PROB_TOO_PRECISE;
    uint64_t value = whole;
    for (size_t i = 0; i < decimals_max; i++) {
        char digit = i < decimals ? s[frac_start + i] : '0';
        value = value * 10 + (uint64_t)(digit - '0'); /* <= 101 * 10^6: no overflow */
    }
    if (value > SCN_PPM_ONE)
        return SCN_PROB_RANGE;
    *ppm_out = (uint32_t)value;
    return SCN_PROB_OK;
}

/* ---- messages ---- */

#define SCN_QUOTE_CONTENT_MAX 32u

void scn_quote(char out[SCN_QUOTE_SIZE], const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '\'';
    size_t i = 0;
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool printable = ch >= 0x20 && ch < 0x7f;
        size_t need = printable ? 1 : 4;
        if (o - 1 + need > SCN_QUOTE_CONTENT_MAX)
            break;
        if (printable) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 0xf];
        }
    }
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '\'';
    assert(o < SCN_QUOTE_SIZE);
    out[o] = '\0';
}

void scn_format_duration(uint64_t ns, char out[SCN_DURATION_TEXT_SIZE]) {
    const scn_unit *unit = &scn_units[SCN_UNIT_COUNT - 1]; /* ns divides all */
    for (size_t i = 0; i < SCN_UNIT_COUNT && ns != 0; i++) {
        if (ns % scn_units[i].ns == 0) {
            unit = &scn_units[i];
            break;
        }
    }
    if (ns == 0)
        unit = &scn_units[2]; /* "0s" reads better than "0h" */
    snprintf(out, SCN_DURATION_TEXT_SIZE, "%" PRIu64 "%s", ns / unit->ns, unit->name);
}

/* Only short words get suggestions; longer input is not a typo of a
 * keyword (all keywords are shorter than this). */
#define SCN_SUGGEST_LEN_MAX 16u

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), on
 * three rows of a fixed size. */
static size_t scn_edit_distance(const char *a, size_t a_len, const char *b, size_t b_len) {
    assert(a_len <= SCN_SUGGEST_LEN_MAX && b_len <= SCN_SUGGEST_LEN_MAX);
    size_t rows[3][SCN_SUGGEST_LEN_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= b_len; j++)
        prev[j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= b_len; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[b_len];
}

/* True when b is a permutation of s[0..len). */
static bool scn_same_bytes(const char *s, size_t len, const char *b) {
    if (strlen(b) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        size_t in_s = 0, in_b = 0;
        for (size_t j = 0; j < len; j++) {
            in_s += s[j] == s[i];
            in_b += b[j] == s[i];
        }
        if (in_s != in_b)
            return false;
    }
    return true;
}

const char *scn_suggest(const char *s, size_t len, const char *const *candidates,
                        size_t candidate_count) {
    if (len == 0 || len > SCN_SUGGEST_LEN_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_distance = 3; /* suggest only within 2 edits */
    for (size_t i = 0; i < candidate_count; i++) {
        size_t c_len = strlen(candidates[i]);
        if (c_len > SCN_SUGGEST_LEN_MAX)
            continue;
        size_t d = scn_edit_distance(s, len, candidates[i], c_len);
        /* d < c_len: "xy" is not a typo of "at", it is a different word. */
        if (d >= c_len)
            continue;
        /* On a tie, a candidate with the same bytes wins: "=>" means ">=",
         * not "==". */
        bool better = d < best_distance ||
                      (d == best_distance && best != NULL && !scn_same_bytes(s, len, best) &&
                       scn_same_bytes(s, len, candidates[i]));
        if (better) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}
