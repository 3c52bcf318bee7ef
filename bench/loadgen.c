/*
 * loadgen — load generator for TCP echo servers (pier's benchmarks).
 *
 *   loadgen MODE -p PORT [options]
 *
 * Modes
 *   throughput  -c conns (100) each send -s bytes (1024) messages and wait for
 *               their echo before sending the next (-D depth messages in flight
 *               per connection, default 1), for -d seconds (5). Every echoed
 *               byte is checked. Reports messages/s and MB/s (both directions
 *               counted once: echoed payload).
 *   latency     one connection, -s bytes (64) ping-pong for -d seconds;
 *               reports p50/p90/p99/max round-trip in microseconds.
 *   storm       connect, exchange -x bytes (1; 0 = none), close, as fast as
 *               possible with -c connections in flight (32) for -d seconds;
 *               reports connections/s.
 *   idle        open -c connections (10000), exchange -x bytes (1) on each so
 *               the server has surely accepted it, print READY, then hold them
 *               for -d seconds (0 = until SIGINT/SIGTERM, or EOF on stdin with -i).
 *
 * Options: -H host (127.0.0.1; loopback addresses only), -t threads for
 * throughput and storm (1), -a N spread storm/idle connections over N source
 * addresses 127.0.0.1..N (1) so TIME_WAIT never exhausts the ephemeral ports.
 *
 * Each result is one line: "RESULT mode=... key=value ...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* ------------------------------------------------------------ options */

static struct {
    const char *mode;
    const char *host;
    int port;
    int conns;
    int size;
    double seconds;
    int depth;
    int threads;
    int exchange;
    int srcaddrs;
    int stdin_hold;
} opt;

static struct sockaddr_in server_addr;
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { (void)sig; stop_signal = 1; }

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen throughput|latency|storm|idle -p PORT [-H host] [-c conns] [-s size]\n"
            "               [-d seconds] [-D depth] [-t threads] [-x exchange-bytes] [-a srcaddrs] [-i]\n");
    exit(2);
}

/* --------------------------------------------------- the byte pattern */

/* The stream every connection sends: byte o is pattern[o % PERIOD]. A prime
 * period makes misplaced, lost or duplicated bytes show in the check. */
#define PERIOD 251
#define CHUNK 65536
static unsigned char pattern[PERIOD + CHUNK];

static void init_pattern(void) {
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)((i % PERIOD) * 7 + 13);
}

/* ---------------------------------------------------------- sockets */

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A non-blocking socket whose connect has been started; -1 on a local error
 * (errno set), e.g. EADDRNOTAVAIL when the ephemeral ports are used up. */
static int start_connect(unsigned seq) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (opt.srcaddrs > 1) {
        struct sockaddr_in src;
        memset(&src, 0, sizeof src);
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(0x7f000001u + seq % (unsigned)opt.srcaddrs);
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int blocking_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0) die("connect");
    return fd;
}

static int socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
    return err;
}

static void ep_add(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl ADD");
}

static void ep_mod(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) die("epoll_ctl MOD");
}

/* ------------------------------------------------------- throughput */

struct tconn {
    int fd;
    int want_out;     /* EPOLLOUT registered */
    uint64_t sent;    /* stream bytes sent */
    uint64_t rcvd;    /* stream bytes echoed back and checked */
};

struct tthread {
    pthread_t tid;
    struct tconn *conns;
    int n;
    double end;
    uint64_t msgs;
    uint64_t bytes;
    uint64_t errors;
};

static atomic_int go;

/* Send until depth messages are in flight or the socket is full. */
static int tp_fill(int ep, struct tconn *c, int idx) {
    uint64_t window = (uint64_t)opt.depth * (uint64_t)opt.size;
    /* Only whole messages: the next one starts when the previous is echoed. */
    uint64_t limit = (c->rcvd / (uint64_t)opt.size) * (uint64_t)opt.size + window;
    while (c->sent < limit) {
        size_t len = (size_t)(limit - c->sent);
        if (len > CHUNK) len = CHUNK;
        ssize_t k = send(c->fd, pattern + c->sent % PERIOD, len, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!c->want_out) {
                    ep_mod(ep, c->fd, EPOLLIN | EPOLLOUT, (uint64_t)idx);
                    c->want_out = 1;
                }
                return 0;
            }
            return -1;
        }
        c->sent += (uint64_t)k;
    }
    if (c->want_out) {
        ep_mod(ep, c->fd, EPOLLIN, (uint64_t)idx);
        c->want_out = 0;
    }
    return 0;
}

static void *tp_thread(void *arg) {
    struct tthread *t = arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < t->n; i++) {
        set_nonblock(t->conns[i].fd);
        ep_add(ep, t->conns[i].fd, EPOLLIN, (uint64_t)i);
    }
    while (!atomic_load(&go)) {
    }
    for (int i = 0; i < t->n; i++)
        if (tp_fill(ep, &t->conns[i], i) != 0) t->errors++;

    static _Thread_local unsigned char buf[CHUNK];
    struct epoll_event evs[256];
    int live = t->n;
    while (live > 0 && !stop_signal) {
        double now = now_s();
        if (now >= t->end) break;
        int timeout = (int)((t->end - now) * 1000) + 1;
        int n = epoll_wait(ep, evs, 256, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            int i = (int)evs[e].data.u64;
            struct tconn *c = &t->conns[i];
            if (c->fd < 0) continue;
            if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t k = recv(c->fd, buf, sizeof buf, 0);
                if (k <= 0) {
                    if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                    fprintf(stderr, "loadgen: connection %d closed by the server (%s)\n", i,
                            k == 0 ? "EOF" : strerror(errno));
                    t->errors++;
                    close(c->fd);
                    c->fd = -1;
                    live--;
                    continue;
                }
                if (memcmp(buf, pattern + c->rcvd % PERIOD, (size_t)k) != 0) {
                    fprintf(stderr, "loadgen: connection %d: echoed bytes differ at offset %llu\n", i,
                            (unsigned long long)c->rcvd);
                    exit(1);
                }
                uint64_t before = c->rcvd / (uint64_t)opt.size;
                c->rcvd += (uint64_t)k;
                t->msgs += c->rcvd / (uint64_t)opt.size - before;
                t->bytes += (uint64_t)k;
                if (c->rcvd > c->sent) {
                    fprintf(stderr, "loadgen: connection %d: more bytes echoed than sent\n", i);
                    exit(1);
                }
            }
            if (tp_fill(ep, c, i) != 0) {
                t->errors++;
                close(c->fd);
                c->fd = -1;
                live--;
            }
        }
    }
    close(ep);
    return NULL;
}

static int run_throughput(void) {
    int nt = opt.threads;
    struct tthread *th = calloc((size_t)nt, sizeof *th);
    struct tconn *all = calloc((size_t)opt.conns, sizeof *all);
    if (!th || !all) die("calloc");
    for (int i = 0; i < opt.conns; i++) all[i].fd = blocking_connect();
    int at = 0;
    for (int t = 0; t < nt; t++) {
        th[t].n = opt.conns / nt + (t < opt.conns % nt ? 1 : 0);
        th[t].conns = all + at;
        at += th[t].n;
    }
    double start = now_s();
    for (int t = 0; t < nt; t++) {
        th[t].end = start + opt.seconds;
        if (pthread_create(&th[t].tid, NULL, tp_thread, &th[t]) != 0) die("pthread_create");
    }
    start = now_s();
    atomic_store(&go, 1);
    uint64_t msgs = 0, bytes = 0, errors = 0;
    for (int t = 0; t < nt; t++) {
        pthread_join(th[t].tid, NULL);
        msgs += th[t].msgs;
        bytes += th[t].bytes;
        errors += th[t].errors;
    }
    double elapsed = now_s() - start;
    for (int i = 0; i < opt.conns; i++)
        if (all[i].fd >= 0) close(all[i].fd);
    printf("RESULT mode=throughput conns=%d size=%d depth=%d threads=%d seconds=%.2f msgs=%llu "
           "msgs_per_s=%.0f mb_per_s=%.2f errors=%llu\n",
           opt.conns, opt.size, opt.depth, nt, elapsed, (unsigned long long)msgs, msgs / elapsed,
           bytes / elapsed / 1e6, (unsigned long long)errors);
    free(th);
    free(all);
    return errors ? 1 : 0;
}

/* ---------------------------------------------------------- latency */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *s, size_t n, double p) {
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return (double)s[i] / 1000.0;
}

static int run_latency(void) {
    int fd = blocking_connect();
    unsigned char *buf = malloc((size_t)opt.size);
    size_t cap = 1 << 16, n = 0;
    uint64_t *samples = malloc(cap * sizeof *samples);
    if (!buf || !samples) die("malloc");
    uint64_t stream = 0;
    const int warmup = 100;
    double end = now_s() + opt.seconds;
    for (long iter = 0; !stop_signal; iter++) {
        if (iter >= warmup && now_s() >= end) break;
        uint64_t t0 = now_ns();
        size_t off = 0;
        while (off < (size_t)opt.size) {
            ssize_t k = send(fd, pattern + (stream + off) % PERIOD, (size_t)opt.size - off, MSG_NOSIGNAL);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) die("send");
            off += (size_t)k;
        }
        off = 0;
        while (off < (size_t)opt.size) {
            ssize_t k = recv(fd, buf + off, (size_t)opt.size - off, 0);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                fprintf(stderr, "loadgen: latency connection closed by the server\n");
                return 1;
            }
            off += (size_t)k;
        }
        uint64_t t1 = now_ns();
        if (memcmp(buf, pattern + stream % PERIOD, (size_t)opt.size) != 0) {
            fprintf(stderr, "loadgen: echoed bytes differ\n");
            return 1;
        }
        stream += (uint64_t)opt.size;
        if (iter < warmup) continue;
        if (n == cap) {
            cap *= 2;
            samples = realloc(samples, cap * sizeof *samples);
            if (!samples) die("realloc");
        }
        samples[n++] = t1 - t0;
    }
    close(fd);
    if (n == 0) {
        fprintf(stderr, "loadgen: no samples\n");
        return 1;
    }
    qsort(samples, n, sizeof *samples, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += (double)samples[i];
    printf("RESULT mode=latency size=%d samples=%zu p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
           "mean_us=%.1f\n",
           opt.size, n, pct_us(samples, n, 50), pct_us(samples, n, 90), pct_us(samples, n, 99),
           (double)samples[n - 1] / 1000.0, sum / (double)n / 1000.0);
    free(samples);
    free(buf);
    return 0;
}

/* ------------------------------------------- storm and idle (engine) */

/* A connection that connects, optionally sends opt.exchange bytes and waits
 * for their echo, then is "done". */
enum { S_FREE, S_CONNECTING, S_EXCHANGING, S_DONE };

struct sconn {
    int fd;
    int state;
    int rcvd;
};

struct sthread {
    pthread_t tid;
    int slots;
    double end;
    unsigned seq;
    uint64_t done;
    uint64_t errors;
    uint64_t addr_errors;
};

/* Start a connection in slot c; returns 0, or -1 (counted) on a local failure. */
static int slot_start(int ep, struct sconn *c, int idx, unsigned seq, uint64_t *addr_errors) {
    c->fd = start_connect(seq);
    if (c->fd < 0) {
        if (errno == EADDRNOTAVAIL || errno == EMFILE || errno == ENFILE || errno == ENOBUFS) {
            (*addr_errors)++;
            return -1;
        }
        die("connect");
    }
    c->state = S_CONNECTING;
    c->rcvd = 0;
    ep_add(ep, c->fd, EPOLLOUT, (uint64_t)idx);
    return 0;
}

/* Advance slot c on an epoll event; returns 1 when it finished (S_DONE),
 * -1 on failure (fd closed, slot free), 0 otherwise. */
static int slot_event(int ep, struct sconn *c, int idx, uint32_t events) {
    if (c->state == S_CONNECTING) {
        int err = socket_error(c->fd);
        if (err != 0) {
            close(c->fd);
            c->fd = -1;
            c->state = S_FREE;
            errno = err;
            return -1;
        }
        if (opt.exchange == 0) {
            c->state = S_DONE;
            return 1;
        }
        ssize_t k = send(c->fd, pattern, (size_t)opt.exchange, MSG_NOSIGNAL);
        if (k != opt.exchange) {
            close(c->fd);
            c->fd = -1;
            c->state = S_FREE;
            return -1;
        }
        c->state = S_EXCHANGING;
        ep_mod(ep, c->fd, EPOLLIN, (uint64_t)idx);
        return 0;
    }
    if (c->state == S_EXCHANGING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        unsigned char buf[256];
        ssize_t k = recv(c->fd, buf, sizeof buf, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        if (k <= 0 || memcmp(buf, pattern + c->rcvd, (size_t)k) != 0) {
            close(c->fd);
            c->fd = -1;
            c->state = S_FREE;
            return -1;
        }
        c->rcvd += (int)k;
        if (c->rcvd >= opt.exchange) {
            c->state = S_DONE;
            return 1;
        }
    }
    return 0;
}

static void *storm_thread(void *arg) {
    struct sthread *t = arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct sconn *slots = calloc((size_t)t->slots, sizeof *slots);
    if (!slots) die("calloc");
    for (int i = 0; i < t->slots; i++) {
        slots[i].fd = -1;
        slot_start(ep, &slots[i], i, t->seq++, &t->addr_errors);
    }
    struct epoll_event evs[256];
    while (!stop_signal) {
        double now = now_s();
        if (now >= t->end) break;
        int n = epoll_wait(ep, evs, 256, 10);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            int i = (int)evs[e].data.u64;
            int r = slot_event(ep, &slots[i], i, evs[e].events);
            if (r == 1) {
                close(slots[i].fd); /* the client closes first, as a client normally does */
                slots[i].fd = -1;
                slots[i].state = S_FREE;
                t->done++;
            } else if (r < 0) {
                t->errors++;
            }
        }
        /* Refill free slots (a failed local connect is retried here, after a pause). */
        int starved = 0;
        for (int i = 0; i < t->slots; i++)
            if (slots[i].state == S_FREE && slot_start(ep, &slots[i], i, t->seq++, &t->addr_errors) != 0)
                starved = 1;
        if (starved) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    for (int i = 0; i < t->slots; i++)
        if (slots[i].fd >= 0) close(slots[i].fd);
    free(slots);
    close(ep);
    return NULL;
}

static int run_storm(void) {
    int nt = opt.threads;
    struct sthread *th = calloc((size_t)nt, sizeof *th);
    if (!th) die("calloc");
    double start = now_s();
    for (int t = 0; t < nt; t++) {
        th[t].slots = opt.conns / nt + (t < opt.conns % nt ? 1 : 0);
        if (th[t].slots < 1) th[t].slots = 1;
        th[t].end = start + opt.seconds;
        th[t].seq = (unsigned)t;
        if (pthread_create(&th[t].tid, NULL, storm_thread, &th[t]) != 0) die("pthread_create");
    }
    uint64_t done = 0, errors = 0, addr_errors = 0;
    for (int t = 0; t < nt; t++) {
        pthread_join(th[t].tid, NULL);
        done += th[t].done;
        errors += th[t].errors;
        addr_errors += th[t].addr_errors;
    }
    double elapsed = now_s() - start;
    printf("RESULT mode=storm concurrency=%d exchange=%d threads=%d seconds=%.2f conns=%llu "
           "conns_per_s=%.0f errors=%llu local_port_waits=%llu\n",
           opt.conns, opt.exchange, nt, elapsed, (unsigned long long)done, done / elapsed,
           (unsigned long long)errors, (unsigned long long)addr_errors);
    free(th);
    return 0;
}

static int run_idle(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    int total = opt.conns;
    struct sconn *c = calloc((size_t)total, sizeof *c);
    if (!c) die("calloc");
    const int inflight_max = 256;
    int next = 0, inflight = 0, established = 0;
    uint64_t errors = 0, addr_errors = 0;
    unsigned seq = 0;
    double start = now_s();
    struct epoll_event evs[256];
    while (established < total && !stop_signal) {
        while (inflight < inflight_max && next < total) {
            if (slot_start(ep, &c[next], next, seq++, &addr_errors) != 0) break;
            next++;
            inflight++;
        }
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            int i = (int)evs[e].data.u64;
            int r = slot_event(ep, &c[i], i, evs[e].events);
            if (r == 1) {
                /* Established: from now on only watch for the server closing it. */
                ep_mod(ep, c[i].fd, EPOLLIN | EPOLLRDHUP, (uint64_t)i);
                inflight--;
                established++;
            } else if (r < 0) {
                errors++;
                inflight--;
                if (errors > 1000) {
                    fprintf(stderr,
                            "loadgen: %llu connections failed (%d established): the server closed or "
                            "refused them; is its connection limit below %d?\n",
                            (unsigned long long)errors, established, total);
                    return 1;
                }
                /* Retry this one. */
                if (slot_start(ep, &c[i], i, seq++, &addr_errors) == 0) inflight++;
                else {
                    c[i].state = S_FREE;
                    fprintf(stderr, "loadgen: cannot open connection %d: %s\n", i, strerror(errno));
                    return 1;
                }
            }
        }
        if (addr_errors > 100000) {
            fprintf(stderr, "loadgen: cannot open more connections: %s\n", strerror(errno));
            return 1;
        }
    }
    double took = now_s() - start;
    printf("READY conns=%d\n", established);
    printf("RESULT mode=idle conns=%d exchange=%d seconds_to_establish=%.2f errors=%llu\n", established,
           opt.exchange, took, (unsigned long long)errors);
    fflush(stdout);

    /* Hold. */
    int closed = 0;
    double end = opt.seconds > 0 ? now_s() + opt.seconds : 0;
    if (opt.stdin_hold) ep_add(ep, 0, EPOLLIN, UINT64_MAX);
    while (!stop_signal && (end == 0 || now_s() < end)) {
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        int quit = 0;
        for (int e = 0; e < n; e++) {
            if (evs[e].data.u64 == UINT64_MAX) {
                quit = 1; /* a line or EOF on stdin */
                continue;
            }
            int i = (int)evs[e].data.u64;
            if (c[i].fd >= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c[i].fd, NULL);
                close(c[i].fd);
                c[i].fd = -1;
                closed++;
            }
        }
        if (quit) break;
    }
    for (int i = 0; i < total; i++)
        if (c[i].fd >= 0 && c[i].state == S_DONE) close(c[i].fd);
    printf("RESULT mode=idle_end held=%d closed_by_server=%d\n", established - closed, closed);
    free(c);
    close(ep);
    return closed ? 1 : 0;
}

/* ------------------------------------------------------------- main */

int main(int argc, char **argv) {
    if (argc < 2) usage();
    opt.mode = argv[1];
    opt.host = "127.0.0.1";
    opt.port = 0;
    opt.conns = -1;
    opt.size = -1;
    opt.seconds = -1;
    opt.depth = 1;
    opt.threads = 1;
    opt.exchange = 1;
    opt.srcaddrs = 1;
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "H:p:c:s:d:D:t:x:a:i")) != -1) {
        switch (c) {
        case 'H': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'c': opt.conns = atoi(optarg); break;
        case 's': opt.size = atoi(optarg); break;
        case 'd': opt.seconds = atof(optarg); break;
        case 'D': opt.depth = atoi(optarg); break;
        case 't': opt.threads = atoi(optarg); break;
        case 'x': opt.exchange = atoi(optarg); break;
        case 'a': opt.srcaddrs = atoi(optarg); break;
        case 'i': opt.stdin_hold = 1; break;
        default: usage();
        }
    }
    int is_tp = !strcmp(opt.mode, "throughput"), is_lat = !strcmp(opt.mode, "latency");
    int is_storm = !strcmp(opt.mode, "storm"), is_idle = !strcmp(opt.mode, "idle");
    if (!(is_tp || is_lat || is_storm || is_idle) || opt.port <= 0 || opt.port > 65535) usage();
    if (opt.conns < 0) opt.conns = is_tp ? 100 : is_storm ? 32 : is_idle ? 10000 : 1;
    if (opt.size < 0) opt.size = is_lat ? 64 : 1024;
    if (opt.seconds < 0) opt.seconds = is_idle ? 0 : 5;
    if (opt.conns < 1 || opt.size < 1 || opt.depth < 1 || opt.threads < 1 || opt.exchange < 0 ||
        opt.exchange > 256 || opt.srcaddrs < 1 || opt.srcaddrs > 254)
        usage();
    if (opt.size > CHUNK) {
        fprintf(stderr, "loadgen: -s at most %d\n", CHUNK);
        return 2;
    }

    /* Traffic goes to this machine only. */
    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &server_addr.sin_addr) != 1 ||
        (ntohl(server_addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "loadgen: -H must be an IPv4 loopback address (127.x.y.z)\n");
        return 2;
    }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (is_idle && (rlim_t)opt.conns + 16 > rl.rlim_cur) {
        fprintf(stderr, "loadgen: %d connections need a higher descriptor limit (ulimit -n is %llu)\n",
                opt.conns, (unsigned long long)rl.rlim_cur);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    init_pattern();
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (is_tp) return run_throughput();
    if (is_lat) return run_latency();
    if (is_storm) return run_storm();
    return run_idle();
}
