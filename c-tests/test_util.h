/*
 * test_util.h — the small helper every C test of pier shares.
 *
 *  - CHECK macros that print file:line and exit(1) on failure (asserts are
 *    kept on in every build anyway: the tests are compiled with -UNDEBUG);
 *  - a TCP client on 127.0.0.1: connect, send all, receive with a timeout;
 *  - pump(h, ms) / PUMP_UNTIL(h, ms, cond): call pier_tcpserver_do_doevents
 *    until a condition holds or the time is up;
 *  - tu_listen(h): listen on 127.0.0.1 with LocalPort 0 and return the port the
 *    system chose, so parallel test runs never collide.
 *
 * Everything is `static inline`, so a test uses what it needs without
 * unused-function warnings. The file compiles as C11 and as C++11.
 * Under valgrind (PIER_UNDER_VALGRIND set by ctest) every timeout is scaled
 * by 10.
 */
#ifndef PIER_TEST_UTIL_H
#define PIER_TEST_UTIL_H

#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pier.h"

/* ---------------------------------------------------------------- checks */

#define TU_FAIL(...)                                                            \
    do {                                                                        \
        fprintf(stderr, "%s:%d: FAILED: ", __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                           \
        fputc('\n', stderr);                                                    \
        exit(1);                                                                \
    } while (0)

/* CHECK(cond): the condition must hold. */
#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) TU_FAIL("CHECK(%s)", #cond);                               \
    } while (0)

/* CHECK_INT(a, b): two integer expressions must be equal. */
#define CHECK_INT(a, b)                                                         \
    do {                                                                        \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);               \
        if (tu_a_ != tu_b_)                                                     \
            TU_FAIL("CHECK_INT(%s, %s): %lld != %lld", #a, #b, tu_a_, tu_b_);   \
    } while (0)

/* CHECK_STR(a, b): two C strings must be equal (NULL fails). */
#define CHECK_STR(a, b)                                                         \
    do {                                                                        \
        const char *tu_a_ = (a), *tu_b_ = (b);                                  \
        if (tu_a_ == NULL || tu_b_ == NULL || strcmp(tu_a_, tu_b_) != 0)        \
            TU_FAIL("CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a, #b,              \
                    tu_a_ ? tu_a_ : "(null)", tu_b_ ? tu_b_ : "(null)");        \
    } while (0)

/* CHECK_MEM(a, b, n): n bytes must be equal. */
#define CHECK_MEM(a, b, n)                                                      \
    do {                                                                        \
        if (memcmp((a), (b), (size_t)(n)) != 0)                                 \
            TU_FAIL("CHECK_MEM(%s, %s, %s): contents differ", #a, #b, #n);      \
    } while (0)

/* CHECK_OK(h, call): a pier call on handle h must return 0; on failure the
 * handle's last error is printed. */
#define CHECK_OK(h, call)                                                       \
    do {                                                                        \
        int tu_rc_ = (call);                                                    \
        if (tu_rc_ != 0)                                                        \
            TU_FAIL("%s returned %d: %s", #call, tu_rc_,                        \
                    pier_tcpserver_get_last_error(h));                          \
    } while (0)

/* CHECK_ERR(call, code): a pier call must fail with exactly this code. */
#define CHECK_ERR(call, code)                                                   \
    do {                                                                        \
        int tu_rc_ = (call);                                                    \
        if (tu_rc_ != (code))                                                   \
            TU_FAIL("%s returned %d, expected %d (%s)", #call, tu_rc_, (int)(code), \
                    pier_strerror(code));                                       \
    } while (0)

/* ----------------------------------------------------------------- time */

static inline long long tu_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Timeouts are generous and scaled up under valgrind, which runs ~20x slower. */
static inline int tu_ms(int ms) {
    static int scale = 0;
    if (scale == 0) scale = getenv("PIER_UNDER_VALGRIND") ? 10 : 1;
    return ms * scale;
}

static inline void tu_sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ------------------------------------------------------------- files */

/* A fresh private directory /tmp/<prefix>.<random> in `buf`. The random part
 * is mkdtemp's: the template ends in six 'X' characters, which mkdtemp
 * replaces. */
static inline void tu_tempdir(char *buf, size_t size, const char *prefix) {
    int n = snprintf(buf, size, "/tmp/%s.", prefix);
    if (n < 0 || (size_t)n + 7 > size) TU_FAIL("tu_tempdir: buffer too small for prefix %s", prefix);
    memset(buf + n, 'X', 6);
    buf[n + 6] = '\0';
    if (mkdtemp(buf) == NULL) TU_FAIL("mkdtemp(%s): %s", buf, strerror(errno));
}

/* --------------------------------------------------------------- server */

/* Listen on 127.0.0.1 with LocalPort 0; return the port the system chose. */
static inline int tu_listen(pier_tcpserver *h) {
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0));
    CHECK_OK(h, pier_tcpserver_do_startlistening(h));
    int port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    if (port <= 0 || port > 65535) TU_FAIL("LocalPort read back as %d after listening", port);
    return port;
}

/* Call do_doevents for about ms milliseconds (whatever happens). */
static inline void pump(pier_tcpserver *h, int ms) {
    long long deadline = tu_now_ms() + tu_ms(ms);
    do {
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    } while (tu_now_ms() < deadline);
}

/* Call do_doevents until cond(ctx) returns non-zero (then 1) or ms pass (then 0). */
static inline int pump_until(pier_tcpserver *h, int ms, int (*cond)(void *), void *ctx) {
    long long deadline = tu_now_ms() + tu_ms(ms);
    while (!cond(ctx)) {
        if (tu_now_ms() >= deadline) return 0;
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    }
    return 1;
}

/* PUMP_UNTIL(h, ms, cond): pump until the expression holds; fail the test on timeout. */
#define PUMP_UNTIL(h, ms, cond)                                                 \
    do {                                                                        \
        long long tu_deadline_ = tu_now_ms() + tu_ms(ms);                       \
        while (!(cond)) {                                                       \
            if (tu_now_ms() >= tu_deadline_)                                    \
                TU_FAIL("timed out after %d ms waiting for %s", tu_ms(ms), #cond); \
            CHECK_OK(h, pier_tcpserver_do_doevents(h));                         \
        }                                                                       \
    } while (0)

/* --------------------------------------------------------------- client */

/* Connect a blocking TCP client to 127.0.0.1:port (TCP_NODELAY on). */
static inline int tu_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) TU_FAIL("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        TU_FAIL("connect to 127.0.0.1:%d: %s", port, strerror(errno));
    return fd;
}

/* Send all n bytes (blocking). */
static inline void tu_send_all(int fd, const void *data, size_t n) {
    const char *p = (const char *)data;
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) TU_FAIL("send: %s", k < 0 ? strerror(errno) : "0 bytes");
        p += k;
        n -= (size_t)k;
    }
}

static inline void tu_send_str(int fd, const char *s) { tu_send_all(fd, s, strlen(s)); }

/* tu_recv_timeout without the valgrind scaling of ms. */
static inline int tu_recv_raw(int fd, void *buf, size_t cap, int ms) {
    struct pollfd pfd;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    int r;
    do {
        r = poll(&pfd, 1, ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0) TU_FAIL("poll: %s", strerror(errno));
    if (r == 0) return -1;
    ssize_t k;
    do {
        k = recv(fd, buf, cap, 0);
    } while (k < 0 && errno == EINTR);
    if (k < 0) {
        if (errno == ECONNRESET) return 0;
        TU_FAIL("recv: %s", strerror(errno));
    }
    return (int)k;
}

/* Wait up to ms for data and read what is there (at most cap bytes).
 * Returns the byte count, 0 on EOF (or reset), -1 on timeout; fails the test on error. */
static inline int tu_recv_timeout(int fd, void *buf, size_t cap, int ms) {
    return tu_recv_raw(fd, buf, cap, tu_ms(ms));
}

/* Receive exactly n bytes within ms (total); returns n, or the count received
 * before EOF or the timeout. */
static inline size_t tu_recv_exact(int fd, void *buf, size_t n, int ms) {
    char *p = (char *)buf;
    size_t got = 0;
    long long deadline = tu_now_ms() + tu_ms(ms);
    while (got < n) {
        long long left = deadline - tu_now_ms();
        if (left <= 0) break;
        int k = tu_recv_raw(fd, p + got, n - got, (int)left);
        if (k <= 0) break;
        got += (size_t)k;
    }
    return got;
}

/* Receive until `delim` has been seen (included, NUL-terminated in buf) or
 * cap-1 bytes, EOF or the timeout; returns the length. */
static inline size_t tu_recv_until(int fd, char *buf, size_t cap, const char *delim, int ms) {
    size_t got = 0;
    long long deadline = tu_now_ms() + tu_ms(ms);
    buf[0] = '\0';
    while (got + 1 < cap && strstr(buf, delim) == NULL) {
        long long left = deadline - tu_now_ms();
        if (left <= 0) break;
        int k = tu_recv_raw(fd, buf + got, cap - 1 - got, (int)left);
        if (k <= 0) break;
        got += (size_t)k;
        buf[got] = '\0';
    }
    return got;
}

/* Expect EOF (or a reset) on fd within ms. */
static inline int tu_wait_eof(int fd, int ms) {
    char tmp[256];
    long long deadline = tu_now_ms() + tu_ms(ms);
    for (;;) {
        long long left = deadline - tu_now_ms();
        if (left <= 0) return 0;
        int k = tu_recv_raw(fd, tmp, sizeof tmp, (int)left);
        if (k == 0) return 1;
        if (k < 0) return 0;
    }
}

#endif /* PIER_TEST_UTIL_H */
