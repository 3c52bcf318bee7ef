/*
 * tls_client — TLS load client for pier's TLS benchmark (OpenSSL).
 *
 *   tls_client handshake -p PORT [-r] [-d SECONDS] [-t THREADS] [-V 1.2|1.3] [-C SUITE]
 *   tls_client echo      -p PORT [-P] [-c CONNS] [-s BYTES] [-d SECONDS] [-t THREADS] [-V 1.2|1.3] [-C SUITE]
 *
 * handshake  Each thread connects, completes the handshake, sends one byte and
 *            reads its echo (which also takes in TLS 1.3 session tickets),
 *            sends close_notify and closes, over and over, for -d seconds (5).
 *            With -r every connection offers the session of the thread's
 *            previous connection (resumption); SSL_session_reused() counts
 *            the ones the server resumed. -t threads (2) run at once.
 * echo       -c connections (16) each send -s bytes (16384) messages and wait
 *            for the whole echo before sending the next, for -d seconds (5),
 *            spread over -t threads (1), non-blocking, edge-triggered epoll.
 *            Every echoed byte is checked. -P: plaintext TCP instead of TLS,
 *            the same code path otherwise.
 *
 * -C offers only that cipher suite (OpenSSL's default order otherwise).
 * Server certificates are not verified (a benchmark, on 127.0.0.1 only).
 * The result is one line: "RESULT mode=... key=value ...", including the
 * client's own CPU use (client_cpu_pct: 100 = one core busy), so that a
 * client-bound run can be told from a server-bound one.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static struct {
    const char *mode;
    int port, conns, size, threads, resume, plain, tls_version;
    double seconds;
    const char *suite;
} opt = {NULL, 0, 16, 16384, 0, 0, 0, TLS1_3_VERSION, 5.0, NULL};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
    fprintf(stderr, "tls_client: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int tcp_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)opt.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect");
    return fd;
}

static SSL_CTX *client_ctx(void) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, opt.tls_version);
    SSL_CTX_set_max_proto_version(ctx, opt.tls_version);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (opt.suite) {
        /* One suite: TLS 1.3 name, or an OpenSSL cipher string for TLS 1.2. */
        int ok = opt.tls_version == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(ctx, opt.suite)
                                                   : SSL_CTX_set_cipher_list(ctx, opt.suite);
        if (!ok) die("unknown cipher suite");
    }
    /* Sessions are handed over by hand (SSL_get1_session / SSL_set_session). */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Read whole records (and what follows) per recv instead of a header
       then a body: the load generator should cost as little as it can, the
       same for every server. */
    SSL_CTX_set_read_ahead(ctx, 1);
    return ctx;
}

/* ---------------------------------------------------------- handshakes */

struct hs_result {
    long handshakes, reused, failures;
};

static _Atomic double deadline;
static atomic_int go;

static void *handshake_thread(void *arg) {
    struct hs_result *r = arg;
    SSL_CTX *ctx = client_ctx();
    SSL_SESSION *session = NULL;
    while (now_s() < deadline) {
        int fd = tcp_connect();
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, "localhost");
        if (opt.resume && session) SSL_set_session(ssl, session);
        char c = 'x';
        int ok = SSL_connect(ssl) == 1 && SSL_write(ssl, &c, 1) == 1 && SSL_read(ssl, &c, 1) == 1 && c == 'x';
        if (ok) {
            r->handshakes++;
            if (SSL_session_reused(ssl)) r->reused++;
            if (opt.resume) {
                SSL_SESSION *fresh = SSL_get1_session(ssl);
                if (fresh) {
                    if (session) SSL_SESSION_free(session);
                    session = fresh;
                }
            }
            SSL_shutdown(ssl); /* close_notify; not waiting for the server's */
        } else {
            r->failures++;
            ERR_clear_error();
            if (r->failures > 100 && r->failures > r->handshakes) {
                fprintf(stderr, "tls_client: too many failed handshakes\n");
                exit(1);
            }
        }
        SSL_free(ssl);
        close(fd);
    }
    if (session) SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    return NULL;
}

static void run_handshakes(void) {
    int n = opt.threads > 0 ? opt.threads : 2;
    pthread_t th[64];
    struct hs_result res[64];
    memset(res, 0, sizeof res);
    double t0 = now_s(), c0 = cpu_s();
    deadline = t0 + opt.seconds;
    for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, handshake_thread, &res[i]);
    struct hs_result total = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total.handshakes += res[i].handshakes;
        total.reused += res[i].reused;
        total.failures += res[i].failures;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    printf("RESULT mode=handshake resume=%d tls=%s suite=%s threads=%d handshakes=%ld reused=%ld failures=%ld seconds=%.2f "
           "per_s=%.1f client_cpu_pct=%.0f\n",
           opt.resume, opt.tls_version == TLS1_3_VERSION ? "1.3" : "1.2", opt.suite ? opt.suite : "default", n,
           total.handshakes, total.reused,
           total.failures, wall, total.handshakes / wall, 100 * cpu / wall);
}

/* ---------------------------------------------------------------- echo */

struct conn {
    int fd;
    SSL *ssl;
    unsigned char *out, *in;
    int off, sending;
    uint32_t seq;
};

struct echo_thread {
    int nconns;
    struct conn *conns;
    long messages;
    int failed;
};

static atomic_int started;

static void fill(struct conn *c) {
    /* A message that differs per connection and per round. */
    uint32_t x = c->seq * 2654435761u + (uint32_t)c->fd * 40503u + 1;
    for (int i = 0; i < opt.size; i += 4) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        memcpy(c->out + i, &x, (size_t)(opt.size - i < 4 ? opt.size - i : 4));
    }
    c->seq++;
}

/* 1 progress, 0 would block, -1 failed. */
static int io(struct conn *c, int writing, unsigned char *buf, int len, int *n) {
    if (c->ssl) {
        int r = writing ? SSL_write(c->ssl, buf, len) : SSL_read(c->ssl, buf, len);
        if (r > 0) {
            *n = r;
            return 1;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
        return -1;
    }
    ssize_t r = writing ? send(c->fd, buf, (size_t)len, MSG_NOSIGNAL) : recv(c->fd, buf, (size_t)len, 0);
    if (r > 0) {
        *n = (int)r;
        return 1;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

/* Moves a connection on until it would block (edge-triggered epoll). */
static int progress(struct echo_thread *t, struct conn *c, int counting) {
    for (;;) {
        int n = 0, r;
        if (c->sending) {
            r = io(c, 1, c->out + c->off, opt.size - c->off, &n);
            if (r <= 0) return r;
            c->off += n;
            if (c->off == opt.size) c->sending = 0, c->off = 0;
        } else {
            r = io(c, 0, c->in + c->off, opt.size - c->off, &n);
            if (r <= 0) return r;
            c->off += n;
            if (c->off == opt.size) {
                if (memcmp(c->in, c->out, (size_t)opt.size) != 0) {
                    fprintf(stderr, "tls_client: echoed bytes differ\n");
                    return -1;
                }
                if (counting) t->messages++;
                if (now_s() >= deadline) return 0;
                fill(c);
                c->sending = 1, c->off = 0;
            }
        }
    }
}

static void *echo_thread_main(void *arg) {
    struct echo_thread *t = arg;
    SSL_CTX *ctx = opt.plain ? NULL : client_ctx();
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        c->fd = tcp_connect();
        if (ctx) {
            c->ssl = SSL_new(ctx);
            SSL_set_fd(c->ssl, c->fd);
            SSL_set_tlsext_host_name(c->ssl, "localhost");
            if (SSL_connect(c->ssl) != 1) die("SSL_connect");
        }
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->out = malloc((size_t)opt.size);
        c->in = malloc((size_t)opt.size);
        if (!c->out || !c->in) die("malloc");
        fill(c);
        c->sending = 1;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl");
    }
    atomic_fetch_add(&started, 1);
    while (!atomic_load(&go)) usleep(1000);
    for (int i = 0; i < t->nconns; i++)
        if (progress(t, &t->conns[i], 1) < 0) t->failed = 1;
    struct epoll_event evs[64];
    while (!t->failed && now_s() < deadline) {
        int n = epoll_wait(ep, evs, 64, 100);
        for (int i = 0; i < n; i++)
            if (progress(t, evs[i].data.ptr, 1) < 0) t->failed = 1;
    }
    for (int i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        if (c->ssl) SSL_free(c->ssl);
        close(c->fd);
        free(c->out);
        free(c->in);
    }
    close(ep);
    if (ctx) SSL_CTX_free(ctx);
    return NULL;
}

static void run_echo(void) {
    int n = opt.threads > 0 ? opt.threads : 1;
    opt.threads = n;
    if (opt.conns < n) opt.conns = n;
    pthread_t th[64];
    struct echo_thread ts[64];
    memset(ts, 0, sizeof ts);
    struct conn *all = calloc((size_t)opt.conns, sizeof *all);
    if (!all) die("calloc");
    int given = 0;
    for (int i = 0; i < n; i++) {
        ts[i].nconns = opt.conns / n + (i < opt.conns % n);
        ts[i].conns = all + given;
        given += ts[i].nconns;
    }
    deadline = now_s() + 3600; /* set for real once every connection is up */
    for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, echo_thread_main, &ts[i]);
    while (atomic_load(&started) < n) usleep(1000);
    double t0 = now_s(), c0 = cpu_s();
    deadline = t0 + opt.seconds;
    atomic_store(&go, 1);
    long messages = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        messages += ts[i].messages;
        failed |= ts[i].failed;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    free(all);
    if (failed) {
        fprintf(stderr, "tls_client: a connection failed\n");
        exit(1);
    }
    printf("RESULT mode=echo tls=%s conns=%d size=%d threads=%d msgs=%ld seconds=%.2f msgs_per_s=%.1f "
           "mb_per_s=%.2f client_cpu_pct=%.0f\n",
           opt.plain ? "off" : (opt.tls_version == TLS1_3_VERSION ? "1.3" : "1.2"), opt.conns, opt.size, n,
           messages, wall, messages / wall, messages * (double)opt.size / wall / 1e6, 100 * cpu / wall);
}

static void usage(void) {
    fprintf(stderr, "usage: tls_client handshake|echo -p PORT [-r] [-P] [-c CONNS] [-s BYTES] [-d SECONDS] "
                    "[-t THREADS] [-V 1.2|1.3] [-C SUITE]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    opt.mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "p:rPc:s:d:t:V:C:")) != -1) {
        switch (c) {
        case 'p': opt.port = atoi(optarg); break;
        case 'r': opt.resume = 1; break;
        case 'P': opt.plain = 1; break;
        case 'c': opt.conns = atoi(optarg); break;
        case 's': opt.size = atoi(optarg); break;
        case 'd': opt.seconds = atof(optarg); break;
        case 't': opt.threads = atoi(optarg); break;
        case 'C': opt.suite = optarg; break;
        case 'V': opt.tls_version = strcmp(optarg, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION; break;
        default: usage();
        }
    }
    if (opt.port <= 0 || opt.size <= 0 || opt.threads > 64) usage();
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(opt.mode, "handshake") == 0) run_handshakes();
    else if (strcmp(opt.mode, "echo") == 0) run_echo();
    else usage();
    return 0;
}
