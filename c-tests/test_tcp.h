/*
 * test_tcp.h — helpers shared by the TCPServer C tests (api_handles.c,
 * api_properties.c, api_events.c, api_send.c, api_reentrancy.c, api_hostile.c),
 * on top of test_util.h:
 *
 *  - EXPECT_* : "soft" checks that print file:line, expected vs got, and let
 *    the test go on; tt_exit() at the end of main() fails the test if any
 *    soft check failed. Used where one wrong value must not hide the others.
 *  - G(h, prop, idx) / C(h, "Setting"): copies of get/do_config results (so
 *    that several can be compared in one expression), NULL on failure.
 *  - tt_rec: an event recorder registered for every plaintext event; it keeps
 *    the events in order with their parameters and checks the invariants every
 *    event must satisfy (event id, NUL after binary data, non-NULL texts,
 *    callbacks never nest).
 *  - clients: IPv6 connect, abortive close (RST), reading what the server
 *    sent, finding the server's own socket of a connection in this process.
 *
 * Include this file first (it defines _GNU_SOURCE).
 */
#ifndef PIER_TEST_TCP_H
#define PIER_TEST_TCP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ------------------------------------------------------------ soft checks */

static int tt_failures;

#define TT_SOFT_FAIL(...)                                                       \
    do {                                                                        \
        fprintf(stderr, "%s:%d: FAILED: ", __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                           \
        fputc('\n', stderr);                                                    \
        tt_failures++;                                                          \
    } while (0)

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) TT_SOFT_FAIL("EXPECT(%s)", #cond);                         \
    } while (0)

#define EXPECT_INT(a, b)                                                        \
    do {                                                                        \
        long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);               \
        if (tt_a_ != tt_b_)                                                     \
            TT_SOFT_FAIL("EXPECT_INT(%s, %s): got %lld, expected %lld", #a, #b, \
                         tt_a_, tt_b_);                                         \
    } while (0)

/* Out of line: GCC's -O2 string overread analysis misfires on inlined
 * strcmp of handle-owned buffers. */
__attribute__((noinline, unused)) static int tt_streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

#define EXPECT_STR(a, b)                                                        \
    do {                                                                        \
        const char *tt_a_ = (a), *tt_b_ = (b);                                  \
        if (!tt_streq(tt_a_, tt_b_))                                            \
            TT_SOFT_FAIL("EXPECT_STR(%s, %s): got \"%s\", expected \"%s\"", #a, \
                         #b, tt_a_ ? tt_a_ : "(null)", tt_b_ ? tt_b_ : "(null)"); \
    } while (0)

/* A call must fail with exactly this code (soft). */
#define EXPECT_ERR(call, code)                                                  \
    do {                                                                        \
        int tt_rc_ = (call);                                                    \
        if (tt_rc_ != (code))                                                   \
            TT_SOFT_FAIL("%s returned %d, expected %d (%s)", #call, tt_rc_,     \
                         (int)(code), pier_strerror(code));                     \
    } while (0)

#define EXPECT_OK(h, call)                                                      \
    do {                                                                        \
        int tt_rc_ = (call);                                                    \
        if (tt_rc_ != 0)                                                        \
            TT_SOFT_FAIL("%s returned %d: %s", #call, tt_rc_,                   \
                         pier_tcpserver_get_last_error(h));                     \
    } while (0)

/* CHECK_STR that also prints lengths (for binary-ish values). */
#define CHECK_LASTERR(h, code)                                                  \
    do {                                                                        \
        int tt_c_ = pier_tcpserver_get_last_error_code(h);                      \
        if (tt_c_ != (code))                                                    \
            TU_FAIL("last error code of %s is %d (\"%s\"), expected %d", #h,    \
                    tt_c_, pier_tcpserver_get_last_error(h), (int)(code));      \
    } while (0)

#define EXPECT_LASTERR(h, code)                                                 \
    do {                                                                        \
        int tt_c_ = pier_tcpserver_get_last_error_code(h);                      \
        if (tt_c_ != (code))                                                    \
            TT_SOFT_FAIL("last error code of %s is %d (\"%s\"), expected %d",   \
                         #h, tt_c_, pier_tcpserver_get_last_error(h), (int)(code)); \
    } while (0)

static inline int tt_exit(const char *name) {
    if (tt_failures) {
        fprintf(stderr, "%s: %d check(s) FAILED\n", name, tt_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

static inline int tt_valgrind(void) { return getenv("PIER_UNDER_VALGRIND") != NULL; }

/* ----------------------------------------------------- property helpers */

/* A copy of a get() result in one of 16 rotating buffers (NULL on failure);
 * *len gets the length when len is not NULL. Values longer than 64 KiB fail. */
static inline const char *tt_get(pier_tcpserver *h, int prop, int idx, int *len) {
    static char bufs[16][65536 + 1];
    static int next;
    int n = -1;
    const char *v = (const char *)pier_tcpserver_get(h, prop, idx, &n);
    if (v == NULL) return NULL;
    if (n < 0 || n > 65536) TU_FAIL("get(%d, %d) returned length %d", prop, idx, n);
    if (v[n] != '\0') TU_FAIL("get(%d, %d): value not NUL-terminated at its length %d", prop, idx, n);
    char *b = bufs[next];
    next = (next + 1) % 16;
    memcpy(b, v, (size_t)n + 1);
    if (len) *len = n;
    return b;
}
#define G(h, prop, idx) tt_get((h), (prop), (idx), NULL)

/* A copy of a do_config() result (NULL on failure). */
static inline const char *tt_cfg(pier_tcpserver *h, const char *setting) {
    static char bufs[8][4096];
    static int next;
    const char *v = pier_tcpserver_do_config(h, setting);
    if (v == NULL) return NULL;
    char *b = bufs[next];
    next = (next + 1) % 8;
    snprintf(b, sizeof bufs[0], "%s", v);
    return b;
}
#define C(h, setting) tt_cfg((h), (setting))

/* do_config must succeed (a set returns ""). */
#define CHECK_CFG(h, setting)                                                   \
    do {                                                                        \
        const char *tt_r_ = pier_tcpserver_do_config((h), (setting));           \
        if (tt_r_ == NULL)                                                      \
            TU_FAIL("do_config(\"%s\") failed: %d %s", (setting),               \
                    pier_tcpserver_get_last_error_code(h),                      \
                    pier_tcpserver_get_last_error(h));                          \
    } while (0)

/* do_config must fail with this code (soft). */
#define EXPECT_CFG_ERR(h, setting, code)                                        \
    do {                                                                        \
        const char *tt_r_ = pier_tcpserver_do_config((h), (setting));           \
        int tt_c_ = pier_tcpserver_get_last_error_code(h);                      \
        if (tt_r_ != NULL || tt_c_ != (code))                                   \
            TT_SOFT_FAIL("do_config(\"%s\") gave %s%s%s / code %d, expected failure %d", \
                         (setting), tt_r_ ? "\"" : "", tt_r_ ? tt_r_ : "NULL",  \
                         tt_r_ ? "\"" : "", tt_c_, (int)(code));                \
    } while (0)

/* get_int must succeed and give this value (soft). */
#define EXPECT_GETINT(h, prop, idx, want)                                       \
    do {                                                                        \
        long long tt_v_ = (long long)pier_tcpserver_get_int((h), (prop), (idx)); \
        int tt_c_ = pier_tcpserver_get_last_error_code(h);                      \
        if (tt_c_ != 0 || tt_v_ != (long long)(want))                           \
            TT_SOFT_FAIL("get_int(%s, %s) = %lld (error %d), expected %lld",    \
                         #prop, #idx, tt_v_, tt_c_, (long long)(want));         \
    } while (0)

/* ------------------------------------------------------- event recorder */

enum { TT_MAX_EVENT = 10 };

typedef struct tt_event {
    int type;       /* PIER_TCPSERVER_EVENT_* */
    int cid;        /* connection id (ConnectionRequest: 0) */
    int code;       /* status / error code */
    int eol;        /* DataIn EOL; ConnectionRequest: accept as preset */
    int len;        /* DataIn text_len */
    int port;       /* ConnectionRequest port */
    char *data;     /* DataIn bytes (+NUL), when the recorder stores data */
    char text[96];  /* description / address */
    long long at_ms;
} tt_event;

typedef struct tt_rec tt_rec;
typedef void (*tt_hook)(tt_rec *r, pier_tcpserver *h, int event_id, void *params);

struct tt_rec {
    tt_event *ev;
    int n, cap;
    int count[TT_MAX_EVENT];
    int store;          /* store DataIn bytes (default 1) */
    int keep_events;    /* keep the event list (default 1); counters always */
    long long bytes_in; /* total DataIn bytes */
    int accept;         /* ConnectionRequest: -1 leave Accept alone, 0/1 set it */
    int last_cid;       /* connection id of the last Connected */
    tt_hook hook;       /* called after recording, inside the callback */
    void *user;
};

static _Thread_local int tt_cb_depth; /* callbacks running now on this thread */
static volatile int tt_cb_max_depth; /* ... the most ever seen: must stay 1 */

static inline void tt_rec_init(tt_rec *r) {
    memset(r, 0, sizeof *r);
    r->store = 1;
    r->keep_events = 1;
    r->accept = -1;
}

static inline void tt_rec_clear(tt_rec *r) {
    for (int i = 0; i < r->n; i++) free(r->ev[i].data);
    free(r->ev);
    r->ev = NULL;
    r->n = r->cap = 0;
    memset(r->count, 0, sizeof r->count);
    r->bytes_in = 0;
}

static inline tt_event *tt_push(tt_rec *r, int type) {
    r->count[type]++;
    if (!r->keep_events) return NULL;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->ev = (tt_event *)realloc(r->ev, (size_t)r->cap * sizeof *r->ev);
        if (!r->ev) TU_FAIL("out of memory");
    }
    tt_event *e = &r->ev[r->n++];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->at_ms = tu_now_ms();
    return e;
}

static int tt_on_event(void *handle, int event_id, void *params, void *user_data) {
    tt_rec *r = (tt_rec *)user_data;
    pier_tcpserver *h = (pier_tcpserver *)handle;
    int depth = ++tt_cb_depth;
    if (depth > tt_cb_max_depth) tt_cb_max_depth = depth;
    if (handle == NULL) TU_FAIL("callback got a NULL handle");
    if (params == NULL) TU_FAIL("callback for event %d got NULL params", event_id);
    tt_event *e;
    switch (event_id) {
    case PIER_TCPSERVER_EVENT_CONNECTED: {
        pier_tcpserver_connected_params *p = (pier_tcpserver_connected_params *)params;
        if (p->description == NULL) TU_FAIL("Connected: NULL description");
        if (p->connection_id <= 0) TU_FAIL("Connected: connection id %d", p->connection_id);
        r->last_cid = p->connection_id;
        if ((e = tt_push(r, event_id)) != NULL) {
            e->cid = p->connection_id;
            e->code = p->status_code;
            snprintf(e->text, sizeof e->text, "%s", p->description);
        }
        break;
    }
    case PIER_TCPSERVER_EVENT_CONNECTIONREQUEST: {
        pier_tcpserver_connectionrequest_params *p = (pier_tcpserver_connectionrequest_params *)params;
        if (p->address == NULL) TU_FAIL("ConnectionRequest: NULL address");
        if ((e = tt_push(r, event_id)) != NULL) {
            e->eol = p->accept;
            e->port = p->port;
            snprintf(e->text, sizeof e->text, "%s", p->address);
        }
        if (r->accept >= 0) p->accept = r->accept != 0;
        break;
    }
    case PIER_TCPSERVER_EVENT_DATAIN: {
        pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
        if (p->text_len < 0) TU_FAIL("DataIn: text_len %d", p->text_len);
        if (p->text == NULL) TU_FAIL("DataIn: NULL text");
        if (p->text[p->text_len] != 0) TU_FAIL("DataIn: text not followed by a NUL byte");
        if (p->connection_id <= 0) TU_FAIL("DataIn: connection id %d", p->connection_id);
        r->bytes_in += p->text_len;
        if ((e = tt_push(r, event_id)) != NULL) {
            e->cid = p->connection_id;
            e->eol = p->eol;
            e->len = p->text_len;
            if (r->store) {
                e->data = (char *)malloc((size_t)p->text_len + 1);
                if (!e->data) TU_FAIL("out of memory");
                memcpy(e->data, p->text, (size_t)p->text_len + 1);
            }
        }
        break;
    }
    case PIER_TCPSERVER_EVENT_DISCONNECTED: {
        pier_tcpserver_disconnected_params *p = (pier_tcpserver_disconnected_params *)params;
        if (p->description == NULL) TU_FAIL("Disconnected: NULL description");
        if ((e = tt_push(r, event_id)) != NULL) {
            e->cid = p->connection_id;
            e->code = p->status_code;
            snprintf(e->text, sizeof e->text, "%s", p->description);
        }
        break;
    }
    case PIER_TCPSERVER_EVENT_ERROR: {
        pier_tcpserver_error_params *p = (pier_tcpserver_error_params *)params;
        if (p->description == NULL) TU_FAIL("Error: NULL description");
        if ((e = tt_push(r, event_id)) != NULL) {
            e->cid = p->connection_id;
            e->code = p->error_code;
            snprintf(e->text, sizeof e->text, "%s", p->description);
        }
        break;
    }
    case PIER_TCPSERVER_EVENT_READYTOSEND: {
        pier_tcpserver_readytosend_params *p = (pier_tcpserver_readytosend_params *)params;
        if ((e = tt_push(r, event_id)) != NULL) e->cid = p->connection_id;
        break;
    }
    default:
        TU_FAIL("callback for unexpected event id %d", event_id);
    }
    if (r->hook) r->hook(r, h, event_id, params);
    --tt_cb_depth;
    return 0;
}

/* Registers the recorder for the six plaintext events of h. */
static inline void tt_rec_attach(pier_tcpserver *h, tt_rec *r) {
    static const int ids[] = {PIER_TCPSERVER_EVENT_CONNECTED, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST,
                              PIER_TCPSERVER_EVENT_DATAIN, PIER_TCPSERVER_EVENT_DISCONNECTED,
                              PIER_TCPSERVER_EVENT_ERROR, PIER_TCPSERVER_EVENT_READYTOSEND};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        CHECK_OK(h, pier_tcpserver_register_callback(h, ids[i], tt_on_event, r));
}

/* Number of events of `type` for connection `cid` (cid 0: any). */
static inline int tt_count(const tt_rec *r, int type, int cid) {
    int n = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == type && (cid == 0 || r->ev[i].cid == cid)) n++;
    return n;
}

/* The nth (0-based) event of `type` for `cid` (0: any), or NULL. */
static inline tt_event *tt_nth(tt_rec *r, int type, int cid, int nth) {
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == type && (cid == 0 || r->ev[i].cid == cid) && nth-- == 0) return &r->ev[i];
    return NULL;
}

/* Index in the event list of the nth event of `type` for `cid`, or -1. */
static inline int tt_index(const tt_rec *r, int type, int cid, int nth) {
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == type && (cid == 0 || r->ev[i].cid == cid) && nth-- == 0) return i;
    return -1;
}

/* All DataIn bytes of `cid`, concatenated (malloc'ed, NUL-terminated). */
static inline char *tt_concat(const tt_rec *r, int cid, size_t *len) {
    size_t n = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == PIER_TCPSERVER_EVENT_DATAIN && r->ev[i].cid == cid) n += (size_t)r->ev[i].len;
    char *out = (char *)malloc(n + 1);
    if (!out) TU_FAIL("out of memory");
    size_t at = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == PIER_TCPSERVER_EVENT_DATAIN && r->ev[i].cid == cid && r->ev[i].data) {
            memcpy(out + at, r->ev[i].data, (size_t)r->ev[i].len);
            at += (size_t)r->ev[i].len;
        }
    out[at] = 0;
    if (len) *len = at;
    return out;
}

/* Prints the recorded events (for failure diagnostics). */
static inline void tt_dump(const tt_rec *r, int max) {
    static const char *names[] = {"?", "Connected", "ConnectionRequest", "DataIn", "Disconnected",
                                  "Error", "ReadyToSend", "?", "?", "?"};
    int from = r->n > max ? r->n - max : 0;
    fprintf(stderr, "  recorded events (%d, last %d):\n", r->n, r->n - from);
    for (int i = from; i < r->n; i++) {
        const tt_event *e = &r->ev[i];
        fprintf(stderr, "   [%d] %s cid=%d code=%d eol=%d len=%d text=\"%s\"", i,
                names[e->type < TT_MAX_EVENT ? e->type : 0], e->cid, e->code, e->eol, e->len, e->text);
        if (e->type == PIER_TCPSERVER_EVENT_DATAIN && e->data) {
            fprintf(stderr, " data=\"");
            for (int k = 0; k < e->len && k < 40; k++) {
                unsigned char c = (unsigned char)e->data[k];
                if (c >= 32 && c < 127) fputc(c, stderr);
                else fprintf(stderr, "\\x%02x", c);
            }
            fprintf(stderr, "%s\"", e->len > 40 ? "..." : "");
        }
        fputc('\n', stderr);
    }
}

/* Expect the DataIn events of `cid` from position `first` on to be exactly
 * (text, eol) pairs; soft-fails with a dump otherwise. */
static inline int tt_expect_lines_at(const char *file, int line, tt_rec *r, int cid, int first, int n,
                                     const char *const *texts, const int *lens, const int *eols) {
    int ok = 1;
    int have = tt_count(r, PIER_TCPSERVER_EVENT_DATAIN, cid);
    if (have != first + n) {
        fprintf(stderr, "%s:%d: FAILED: %d DataIn events for connection %d, expected %d\n", file, line,
                have - first, cid, n);
        ok = 0;
    }
    for (int i = 0; ok && i < n; i++) {
        tt_event *e = tt_nth(r, PIER_TCPSERVER_EVENT_DATAIN, cid, first + i);
        int want_len = lens ? lens[i] : (int)strlen(texts[i]);
        if (e->len != want_len || (e->data && memcmp(e->data, texts[i], (size_t)want_len) != 0) ||
            e->eol != eols[i]) {
            fprintf(stderr, "%s:%d: FAILED: DataIn #%d of connection %d: got len %d eol %d, expected len %d "
                            "eol %d (\"%.40s\")\n", file, line, first + i, cid, e->len, e->eol, want_len,
                    eols[i], texts[i]);
            ok = 0;
        }
    }
    if (!ok) {
        tt_dump(r, 40);
        tt_failures++;
    }
    return ok;
}

/* ---------------------------------------------------------------- clients */

/* Connect a blocking TCP client to [::1]:port; -1 with errno on failure. */
static inline int tt_connect6_try(int port) {
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) TU_FAIL("socket(AF_INET6): %s", strerror(errno));
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)port);
    sa.sin6_addr = in6addr_loopback;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Connect to 127.0.0.1:port; -1 with errno on failure (no test failure). */
static inline int tt_connect4_try(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) TU_FAIL("socket: %s", strerror(errno));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Connect to 127.0.0.1:port with a small receive buffer set before connecting
 * (so that the window stays small and backpressure comes quickly). */
static inline int tt_connect_small_rcvbuf(int port, int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) TU_FAIL("socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) TU_FAIL("connect: %s", strerror(errno));
    return fd;
}

/* The local port of a socket. */
static inline int tt_local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) TU_FAIL("getsockname: %s", strerror(errno));
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Abortive close: the peer gets a RST. */
static inline void tt_close_rst(int fd) {
    struct linger lg;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* How the server ended the connection, seen by a client that reads until the
 * end (discarding data): 1 FIN (recv 0), 2 RST (ECONNRESET), 0 nothing within ms. */
enum { TT_END_NONE = 0, TT_END_FIN = 1, TT_END_RST = 2 };
static inline int tt_wait_end(int fd, int ms) {
    char tmp[4096];
    long long deadline = tu_now_ms() + tu_ms(ms);
    for (;;) {
        long long left = deadline - tu_now_ms();
        if (left <= 0) return TT_END_NONE;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return TT_END_NONE;
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k == 0) return TT_END_FIN;
        if (k < 0 && errno == ECONNRESET) return TT_END_RST;
        if (k < 0 && errno != EINTR && errno != EAGAIN) TU_FAIL("recv: %s", strerror(errno));
    }
}

/* Reads what is available without blocking; returns bytes read, 0 if none,
 * -1 at EOF/reset. */
static inline long tt_drain(int fd, char *buf, size_t cap) {
    long total = 0;
    for (;;) {
        ssize_t k = recv(fd, buf, cap, MSG_DONTWAIT);
        if (k > 0) {
            total += k;
            continue;
        }
        if (k == 0) return total ? total : -1;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
        if (errno == ECONNRESET) return total ? total : -1;
        TU_FAIL("recv: %s", strerror(errno));
    }
}

/* Nothing arrives on fd within ms (no data, no EOF). */
static inline int tt_quiet(int fd, int ms) {
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, ms) == 0;
}

/* The descriptor of the server's side of a connection, found in this process:
 * the socket whose peer is the client's local address. -1 if none. */
static inline int tt_server_fd_of(int client_fd) {
    struct sockaddr_storage cl;
    socklen_t cl_len = sizeof cl;
    if (getsockname(client_fd, (struct sockaddr *)&cl, &cl_len) != 0) return -1;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    struct dirent *de;
    int found = -1;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        if (fd <= 2 || fd == client_fd || fd == dirfd(d)) continue;
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0) continue;
        if (pl == cl_len && memcmp(&peer, &cl, pl) == 0) {
            found = fd;
            break;
        }
    }
    closedir(d);
    return found;
}

static inline int tt_sockopt_int(int fd, int level, int opt) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, opt, &v, &l) != 0) return -1;
    return v;
}

/* Resident memory of this process, in KiB (from /proc/self/status). */
static inline long tt_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* Reads "key=value" (an integer) from the Stats text; -1 if absent. */
static inline long long tt_stat(const char *stats, const char *key) {
    if (!stats) return -1;
    size_t kl = strlen(key);
    const char *p = stats;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == stats || p[-1] == ' ') && p[kl] == '=') return atoll(p + kl + 1);
        p += kl;
    }
    return -1;
}

/* A watchdog for parts that could hang (a deadlock, a blocking call that
 * never returns): after `seconds` (scaled under valgrind) the test fails with
 * the name of the part instead of running into the ctest timeout. */
static const char *volatile tt_watch_what;
static void tt_watch_fired(int sig) {
    (void)sig;
    static const char msg[] = "FAILED: watchdog: hung in ";
    (void)!write(2, msg, sizeof msg - 1);
    if (tt_watch_what) (void)!write(2, tt_watch_what, strlen(tt_watch_what));
    (void)!write(2, "\n", 1);
    _exit(3);
}
static inline void tt_watchdog(const char *what, int seconds) {
    tt_watch_what = what;
    signal(SIGALRM, tt_watch_fired);
    alarm(seconds ? (unsigned)(tt_valgrind() ? seconds * 5 : seconds) : 0);
}

/* pump() without the valgrind scaling: for loops whose timing matters
 * (activity that must keep an idle timer from expiring). */
static inline void tt_pump_raw(pier_tcpserver *h, int ms) {
    long long deadline = tu_now_ms() + ms;
    do {
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    } while (tu_now_ms() < deadline);
}

/* A listening server on 127.0.0.1 with the recorder attached. */
static inline pier_tcpserver *tt_server(tt_rec *r, int *port) {
    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    if (r) tt_rec_attach(h, r);
    if (port) *port = tu_listen(h);
    return h;
}

/* Connect a client and pump until the server's Connected fired; returns the
 * client fd and the connection id in *cid. */
static inline int tt_accept_one(pier_tcpserver *h, tt_rec *r, int port, int *cid) {
    int before = r->count[PIER_TCPSERVER_EVENT_CONNECTED];
    int fd = tu_connect(port);
    PUMP_UNTIL(h, 5000, r->count[PIER_TCPSERVER_EVENT_CONNECTED] > before);
    if (cid) *cid = r->last_cid;
    return fd;
}

#endif /* PIER_TEST_TCP_H */
