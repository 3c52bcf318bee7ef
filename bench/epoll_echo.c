/*
 * epoll_echo — the reference TCP echo server for pier's benchmarks.
 *
 * The fastest plain thing one core can do: single thread, non-blocking
 * sockets, level-triggered epoll, one read per readiness event, echo at once.
 * If the kernel takes only part of a reply, the rest is kept in a small
 * per-connection buffer (allocated only then), reading stops until it is
 * flushed (EPOLLOUT), so memory per connection stays bounded. An idle
 * connection costs one small slot in a table indexed by descriptor.
 *
 *   epoll_echo PORT [HOST]      (PORT 0 = any; HOST defaults to 127.0.0.1)
 *
 * Prints "LISTENING port=N" once ready; exits on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
    char *pending;    /* bytes the kernel did not take yet, or NULL */
    uint32_t len;     /* pending bytes */
    uint32_t off;     /* of which already written */
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static struct conn *conns; /* indexed by fd */
static int max_fds;
static int ep;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void close_conn(int fd) {
    free(conns[fd].pending);
    conns[fd].pending = NULL;
    conns[fd].len = conns[fd].off = 0;
    close(fd); /* also removes it from the epoll set */
}

static void set_events(int fd, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) die("epoll_ctl MOD");
}

/* Write what is pending; returns 0 when flushed or still pending, -1 on error. */
static int flush_pending(int fd) {
    struct conn *c = &conns[fd];
    while (c->off < c->len) {
        ssize_t k = send(fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        c->off += (uint32_t)k;
    }
    free(c->pending);
    c->pending = NULL;
    c->len = c->off = 0;
    set_events(fd, EPOLLIN); /* flushed: read again */
    return 0;
}

static void on_readable(int fd, char *buf, size_t cap) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close_conn(fd);
        return;
    }
    if (n < 0) return;
    ssize_t k = send(fd, buf, (size_t)n, MSG_NOSIGNAL);
    if (k < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close_conn(fd);
            return;
        }
        k = 0;
    }
    if (k < n) { /* partial write: keep the rest, stop reading until it is out */
        struct conn *c = &conns[fd];
        c->len = (uint32_t)(n - k);
        c->off = 0;
        c->pending = malloc(c->len);
        if (!c->pending) die("malloc");
        memcpy(c->pending, buf + k, c->len);
        set_events(fd, EPOLLOUT);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    const char *host = argc > 2 ? argv[2] : "127.0.0.1";

    /* As many descriptors as allowed: the idle benchmark holds 10,000. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    max_fds = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
    conns = calloc((size_t)max_fds, sizeof *conns);
    if (!conns) die("calloc");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "bad IPv4 address: %s\n", host);
        return 2;
    }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
    if (listen(lfd, SOMAXCONN) != 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    printf("LISTENING port=%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) die("epoll_ctl ADD");

    static char buf[65536];
    struct epoll_event events[256];
    while (!stop) {
        int n = epoll_wait(ep, events, 256, 1000);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                for (;;) {
                    int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0) break; /* EAGAIN, or out of descriptors: retry on the next wakeup */
                    if (cfd >= max_fds) {
                        close(cfd);
                        continue;
                    }
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev) != 0) close(cfd);
                }
            } else if (events[i].events & EPOLLOUT) {
                if (flush_pending(fd) != 0) close_conn(fd);
            } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                on_readable(fd, buf, sizeof buf);
            }
        }
    }
    for (int fd = 0; fd < max_fds; fd++) free(conns[fd].pending);
    free(conns);
    close(ep);
    close(lfd);
    return 0;
}
