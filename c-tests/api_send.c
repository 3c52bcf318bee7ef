/*
 * api_send.c — sending (the TCPServer reference Send, SendBytes, SendText,
 * SendLine, SendFile, DataToSend, Interrupt, BytesSent, ReadyToSend, Timeout,
 * Linger; docs/API.md §8 "Events and data", "Blocking, re-entrancy and threads"):
 *
 *  - every send method delivers exactly its bytes; BytesSent follows;
 *  - backpressure with Timeout 0: a client that does not read, 64 KiB sends
 *    until 10035, BytesSent < the chunk, the ReadyToSend property False; when
 *    the client reads, the ReadyToSend event fires exactly once and the
 *    property is True; the client gets exactly the sum of BytesSent, in order;
 *  - blocking send (Timeout > 0) completing while the client reads slowly, with
 *    other connections' events firing meanwhile; failing with 10060 when the
 *    client never reads; ended with 911 by Interrupt from another thread;
 *  - SendFile: 50 MiB byte-exact (checksum) in bounded memory, relative paths,
 *    an empty file, errors 912 (missing, directory, FIFO), Interrupt;
 *  - Linger False: the client sees a reset (Disconnect, close); True: a FIN;
 *  - sending after Disconnect and to a reset peer fails cleanly.
 */
#include "test_tcp.h"

static inline unsigned char pat(uint64_t i) { return (unsigned char)((i * 2654435761u) >> 13); }

static void fill_pat(unsigned char *buf, size_t n, uint64_t offset) {
    for (size_t i = 0; i < n; i++) buf[i] = pat(offset + i);
}

/* ------------------------------------------------------------ reader thread */

typedef struct reader {
    int fd;
    long long want;    /* stop after this many bytes (-1: until EOF) */
    int delay_us;      /* sleep between reads (a slow client) */
    int chunk;         /* bytes per read */
    int check_pattern; /* verify pat(offset) */
    int tick_fd;       /* if >= 0: write "tick\n" there every 20 ms while reading */
    /* results */
    long long got;
    long long first_bad; /* offset of the first wrong byte, -1 */
    uint64_t fnv;
    int eof;
    pthread_t th;
} reader;

static void *reader_main(void *arg) {
    reader *rd = (reader *)arg;
    unsigned char *buf = (unsigned char *)malloc((size_t)rd->chunk);
    rd->fnv = 1469598103934665603ull;
    rd->first_bad = -1;
    long long last_tick = 0;
    while (rd->want < 0 || rd->got < rd->want) {
        if (rd->tick_fd >= 0 && tu_now_ms() - last_tick >= 20) {
            (void)!send(rd->tick_fd, "tick\n", 5, MSG_NOSIGNAL);
            last_tick = tu_now_ms();
        }
        struct pollfd pfd = {rd->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, 100);
        if (pr == 0) continue;
        if (pr < 0 && errno == EINTR) continue;
        size_t cap = (size_t)rd->chunk;
        if (rd->want >= 0 && (long long)cap > rd->want - rd->got) cap = (size_t)(rd->want - rd->got);
        ssize_t k = recv(rd->fd, buf, cap, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rd->eof = 1;
            break;
        }
        for (ssize_t i = 0; i < k; i++) {
            if (rd->check_pattern && rd->first_bad < 0 && buf[i] != pat((uint64_t)rd->got + (uint64_t)i))
                rd->first_bad = rd->got + i;
            rd->fnv = (rd->fnv ^ buf[i]) * 1099511628211ull;
        }
        rd->got += k;
        if (rd->delay_us) usleep((useconds_t)rd->delay_us);
    }
    free(buf);
    return NULL;
}

static void reader_start(reader *rd) {
    if (pthread_create(&rd->th, NULL, reader_main, rd) != 0) TU_FAIL("pthread_create");
}

static void reader_join(reader *rd) { pthread_join(rd->th, NULL); }

/* ------------------------------------------------------------------- tests */

static void test_send_methods(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);

    CHECK_OK(h, pier_tcpserver_do_send(h, cid, "ab\0cd", 5));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 5);
    CHECK_OK(h, pier_tcpserver_do_sendbytes(h, cid, "\x01\x02\x03", 3));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 3);
    CHECK_OK(h, pier_tcpserver_do_sendtext(h, cid, "hello"));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 5);
    CHECK_OK(h, pier_tcpserver_do_sendline(h, cid, "line"));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 6);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DATATOSEND, cid, "dts\0x", 5));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 5);
    CHECK_OK(h, pier_tcpserver_do_send(h, cid, "nul", -1));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 3);
    CHECK_OK(h, pier_tcpserver_do_send(h, cid, "zzz", 0));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 0);
    CHECK_OK(h, pier_tcpserver_do_send(h, cid, NULL, 0));
    CHECK_OK(h, pier_tcpserver_do_sendtext(h, cid, ""));
    CHECK_OK(h, pier_tcpserver_do_sendline(h, cid, ""));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cid, 2);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DATATOSEND, cid, 5), PIER_ERR_WRONG_TYPE);

    static const char expect[] = "ab\0cd" "\x01\x02\x03" "hello" "line\r\n" "dts\0x" "nul" "\r\n";
    size_t n = sizeof expect - 1;
    char got[64];
    EXPECT_INT(tu_recv_exact(fd, got, n, 3000), n);
    if (memcmp(got, expect, n) != 0) TT_SOFT_FAIL("the client received other bytes than were sent");
    EXPECT(tt_quiet(fd, 100)); /* nothing more */
    close(fd);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_backpressure(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_CFG(h, "OutBufferSize=16384");
    int port = tu_listen(h);
    int fd = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_READYTOSEND] == 1);
    int cid = r.last_cid;
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_TIMEOUT, cid, 0);

    enum { CHUNK = 65536 };
    unsigned char *buf = (unsigned char *)malloc(CHUNK);
    long long total = 0;
    int rc = 0, stable = 0, sends = 0;
    int rts_base = r.count[PIER_TCPSERVER_EVENT_READYTOSEND];
    /* Send until 10035; the kernel may still move queued bytes into the
     * client's window and make room again (then ReadyToSend fires, rightly):
     * repeat until a 10035 is followed by 200 ms without ReadyToSend. */
    for (int round = 0; round < 50 && !stable; round++) {
        for (rc = 0; rc == 0 && sends < 5000; sends++) {
            fill_pat(buf, CHUNK, (uint64_t)total);
            rc = pier_tcpserver_do_send(h, cid, buf, CHUNK);
            int le = pier_tcpserver_get_last_error_code(h);
            long long bs = pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_BYTESSENT, cid);
            if (rc == 0) {
                EXPECT_INT(bs, CHUNK);
            } else {
                EXPECT_INT(rc, PIER_ERR_WOULD_BLOCK);
                EXPECT_INT(le, PIER_ERR_WOULD_BLOCK);
                EXPECT(bs >= 0 && bs < CHUNK);
            }
            total += bs;
        }
        CHECK(rc == PIER_ERR_WOULD_BLOCK);
        EXPECT_STR(G(h, PIER_TCPSERVER_PROP_READYTOSEND, cid), "False");
        tt_pump_raw(h, 200);
        int fired = r.count[PIER_TCPSERVER_EVENT_READYTOSEND] - rts_base;
        if (fired == 0) {
            stable = 1;
        } else {
            EXPECT_INT(fired, 1); /* once per 10035 */
            EXPECT_STR(G(h, PIER_TCPSERVER_PROP_READYTOSEND, cid), "True");
            rts_base = r.count[PIER_TCPSERVER_EVENT_READYTOSEND];
        }
    }
    CHECK(stable);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_READYTOSEND, cid), "False");
    /* Nothing was queued in user space: Stats counts exactly what was taken. */
    const char *st = C(h, "Stats");
    EXPECT_INT(tt_stat(st, "bytes_out"), total);

    /* The client reads everything: ReadyToSend fires exactly once. */
    long long got = 0, first_bad = -1;
    unsigned char *in = (unsigned char *)malloc(CHUNK);
    long long deadline = tu_now_ms() + tu_ms(10000);
    while ((got < total || r.count[PIER_TCPSERVER_EVENT_READYTOSEND] < rts_base + 1) && tu_now_ms() < deadline) {
        ssize_t k = recv(fd, in, CHUNK, MSG_DONTWAIT);
        if (k > 0) {
            for (ssize_t i = 0; i < k; i++)
                if (first_bad < 0 && in[i] != pat((uint64_t)(got + i))) first_bad = got + i;
            got += k;
        } else if (k == 0) {
            break;
        }
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    }
    tt_pump_raw(h, 200);
    while (tt_drain(fd, (char *)in, CHUNK) > 0) {
    }
    EXPECT_INT(got, total);
    EXPECT_INT(first_bad, -1);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_READYTOSEND], rts_base + 1);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_READYTOSEND, cid), "True");
    /* And sending works again. */
    CHECK_OK(h, pier_tcpserver_do_send(h, cid, "again", 5));
    EXPECT_INT(tu_recv_exact(fd, in, 5, 3000), 5);
    EXPECT(memcmp(in, "again", 5) == 0);
    free(buf);
    free(in);
    close(fd);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* Counts DataIn of one connection while a blocking send is running. */
static struct {
    volatile int in_send;
    int watch_cid;
    int datain_during;
    int rts_during;
    int rts_cid;
} bs;

static void bs_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    (void)h;
    if (!bs.in_send) return;
    if (id == PIER_TCPSERVER_EVENT_DATAIN && ((pier_tcpserver_datain_params *)params)->connection_id == bs.watch_cid)
        bs.datain_during++;
    if (id == PIER_TCPSERVER_EVENT_READYTOSEND &&
        ((pier_tcpserver_readytosend_params *)params)->connection_id == bs.rts_cid)
        bs.rts_during++;
}

static void test_blocking_send(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.store = 0;
    r.hook = bs_hook;
    memset(&bs, 0, sizeof bs);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_CFG(h, "OutBufferSize=16384");
    int port = tu_listen(h);
    int fa = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 1);
    int ca = r.last_cid;
    int cb;
    int fb = tt_accept_one(h, &r, port, &cb);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 10));
    pump(h, 50);

    /* (1) completes while the client reads slowly; b's events fire meanwhile. */
    const long long N = tt_valgrind() ? 1 << 20 : 4 << 20;
    unsigned char *data = (unsigned char *)malloc((size_t)N);
    fill_pat(data, (size_t)N, 0);
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.fd = fa;
    rd.want = N;
    rd.chunk = 16384;
    rd.delay_us = 2000;
    rd.check_pattern = 1;
    rd.tick_fd = fb;
    reader_start(&rd);
    bs.watch_cid = cb;
    bs.rts_cid = ca;
    bs.in_send = 1;
    long long t0 = tu_now_ms();
    int rc = pier_tcpserver_do_send(h, ca, data, (int)N);
    long long dt = tu_now_ms() - t0;
    bs.in_send = 0;
    reader_join(&rd);
    EXPECT_INT(rc, 0);
    if (rc) fprintf(stderr, "  blocking send: %s\n", pier_tcpserver_get_last_error(h));
    EXPECT_INT(rd.got, N);
    EXPECT_INT(rd.first_bad, -1);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, ca, N);
    if (bs.datain_during == 0)
        TT_SOFT_FAIL("no DataIn of another connection fired during a blocking send of %lld ms", dt);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_READYTOSEND, ca), "True");
    /* A blocking send never failed with 10035, so there is no ReadyToSend to
     * announce (reference: "ready to accept data after a failed DataToSend"). */
    pump(h, 50);
    if (bs.rts_during != 0 || tt_count(&r, PIER_TCPSERVER_EVENT_READYTOSEND, ca) != 1)
        TT_SOFT_FAIL("a blocking send that succeeded fired %d ReadyToSend event(s) for its connection "
                     "(%d in all, expected only the one after connecting)",
                     bs.rts_during, tt_count(&r, PIER_TCPSERVER_EVENT_READYTOSEND, ca));

    /* (2) the client never reads: 10060 after Timeout seconds without progress. */
    while (tt_drain(fb, (char *)data, 65536) > 0) {
    }
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 1));
    t0 = tu_now_ms();
    rc = pier_tcpserver_do_send(h, ca, data, (int)N);
    dt = tu_now_ms() - t0;
    EXPECT_INT(rc, PIER_ERR_TIMED_OUT);
    EXPECT_LASTERR(h, PIER_ERR_TIMED_OUT);
    EXPECT(dt >= 900);
    EXPECT(dt < tu_ms(10000));
    long long sent = pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_BYTESSENT, ca);
    EXPECT(sent > 0 && sent < N);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_CONNECTED, ca), "True"); /* a timeout does not close */

    free(data);
    close(fa);
    close(fb);
    PUMP_UNTIL(h, 5000, pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0) == 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

typedef struct interrupter {
    pier_tcpserver *h;
    int cid;
    int delay_ms;
    int rc;
    pthread_t th;
} interrupter;

static void *interrupter_main(void *arg) {
    interrupter *it = (interrupter *)arg;
    tu_sleep_ms(it->delay_ms);
    it->rc = pier_tcpserver_do_interrupt(it->h, it->cid);
    return NULL;
}

static char tmpdir[256];
static char bigfile[300];

static void test_interrupt(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_CFG(h, "OutBufferSize=16384");
    int port = tu_listen(h);
    int fd = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 1);
    int cid = r.last_cid;
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, cid, 30));

    /* An Interrupt with no blocking operation running does not spoil the next one. */
    CHECK_OK(h, pier_tcpserver_do_interrupt(h, cid));
    EXPECT_OK(h, pier_tcpserver_do_send(h, cid, "small", 5));

    const int N = 8 << 20;
    unsigned char *data = (unsigned char *)calloc(1, (size_t)N);
    interrupter it = {h, cid, 300, -1, 0};
    pthread_create(&it.th, NULL, interrupter_main, &it);
    long long t0 = tu_now_ms();
    int rc = pier_tcpserver_do_send(h, cid, data, N);
    long long dt = tu_now_ms() - t0;
    pthread_join(it.th, NULL);
    EXPECT_INT(it.rc, 0);
    EXPECT_INT(rc, PIER_ERR_INTERRUPTED);
    EXPECT_LASTERR(h, PIER_ERR_INTERRUPTED);
    EXPECT(dt < tu_ms(10000));
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_CONNECTED, cid), "True"); /* not disconnected */

    /* SendFile too (Timeout 0: no time limit, only Interrupt ends it). */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, cid, 0));
    interrupter it2 = {h, cid, 300, -1, 0};
    pthread_create(&it2.th, NULL, interrupter_main, &it2);
    t0 = tu_now_ms();
    rc = pier_tcpserver_do_sendfile(h, cid, bigfile);
    dt = tu_now_ms() - t0;
    pthread_join(it2.th, NULL);
    EXPECT_INT(it2.rc, 0);
    EXPECT_INT(rc, PIER_ERR_INTERRUPTED);
    EXPECT(dt < tu_ms(10000));
    free(data);
    close(fd);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

typedef struct blocker {
    pier_tcpserver *h;
    int cid;
    int use_file; /* SendFile (else Send of `len` zero bytes) */
    int len;
    int rc;
    long long dt;
    volatile int done;
    pthread_t th;
} blocker;

static void *blocker_main(void *arg) {
    blocker *b = (blocker *)arg;
    long long t0 = tu_now_ms();
    if (b->use_file) {
        b->rc = pier_tcpserver_do_sendfile(b->h, b->cid, bigfile);
    } else {
        unsigned char *data = (unsigned char *)calloc(1, (size_t)b->len);
        b->rc = pier_tcpserver_do_send(b->h, b->cid, data, b->len);
        free(data);
    }
    b->dt = tu_now_ms() - t0;
    b->done = 1;
    return NULL;
}

static int wait_done(volatile int *flag, int ms) {
    long long deadline = tu_now_ms() + ms * (tt_valgrind() ? 2 : 1);
    while (!*flag && tu_now_ms() < deadline) tu_sleep_ms(5);
    return *flag;
}

/* Interrupt targets one connection; blocking sends on several connections
 * (from several threads) can each be interrupted; SendFile honours Timeout;
 * close() from another thread ends a blocking send. */
static void test_interrupt_more(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_CFG(h, "OutBufferSize=16384");
    int port = tu_listen(h);
    int fa = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 1);
    int ca = r.last_cid;
    int fb = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 2);
    int cb = r.last_cid;

    /* SendFile with Timeout 1 to a client that does not read: 10060. */
    tt_watchdog("SendFile with Timeout 1", 20);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 1));
    long long t0 = tu_now_ms();
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, ca, bigfile), PIER_ERR_TIMED_OUT);
    long long dt = tu_now_ms() - t0;
    EXPECT(dt >= 900 && dt < tu_ms(10000));
    long long bs = pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_BYTESSENT, ca);
    EXPECT(bs > 0);

    /* Interrupt(b) does not end a blocking send on a. */
    tt_watchdog("Interrupt of another connection", 30);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 2));
    interrupter other = {h, cb, 200, -1, 0};
    pthread_create(&other.th, NULL, interrupter_main, &other);
    t0 = tu_now_ms();
    unsigned char *data = (unsigned char *)calloc(1, 4 << 20);
    int rc = pier_tcpserver_do_send(h, ca, data, 4 << 20);
    dt = tu_now_ms() - t0;
    pthread_join(other.th, NULL);
    free(data);
    EXPECT_INT(other.rc, 0);
    if (rc != PIER_ERR_TIMED_OUT)
        TT_SOFT_FAIL("a blocking send on connection %d ended with %d after %lld ms when connection %d was "
                     "interrupted; expected its own timeout (10060)", ca, rc, dt, cb);

    /* Two blocking SendFiles (Timeout 0: only Interrupt ends them) in two
     * threads; Interrupt(a) and Interrupt(b) right after each other: both end. */
    tt_watchdog("two interrupted SendFiles", 60);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 0));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, cb, 0));
    blocker ba = {h, ca, 1, 0, -1, 0, 0, 0}, bb = {h, cb, 1, 0, -1, 0, 0, 0};
    pthread_create(&ba.th, NULL, blocker_main, &ba);
    pthread_create(&bb.th, NULL, blocker_main, &bb);
    tu_sleep_ms(tu_ms(500));
    EXPECT(!ba.done && !bb.done);
    EXPECT_OK(h, pier_tcpserver_do_interrupt(h, ca));
    EXPECT_OK(h, pier_tcpserver_do_interrupt(h, cb));
    int a_done = wait_done(&ba.done, 3000), b_done = wait_done(&bb.done, 3000);
    if (!a_done || !b_done)
        TT_SOFT_FAIL("Interrupt(%d) then Interrupt(%d): the blocking SendFile on %s still runs 3 s later "
                     "(one Interrupt was lost)", ca, cb, !a_done && !b_done ? "both" : !a_done ? "the first" : "the second");
    /* Clean up: interrupt again until both end. */
    for (int i = 0; i < 200 && !(ba.done && bb.done); i++) {
        if (!ba.done) pier_tcpserver_do_interrupt(h, ca);
        if (!bb.done) pier_tcpserver_do_interrupt(h, cb);
        tu_sleep_ms(50);
    }
    pthread_join(ba.th, NULL);
    pthread_join(bb.th, NULL);
    if (a_done) EXPECT_INT(ba.rc, PIER_ERR_INTERRUPTED);
    if (b_done) EXPECT_INT(bb.rc, PIER_ERR_INTERRUPTED);

    /* close() from another thread ends a blocking send. */
    tt_watchdog("close() during a blocking send", 30);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, ca, 30));
    blocker bc = {h, ca, 0, 8 << 20, -1, 0, 0, 0};
    pthread_create(&bc.th, NULL, blocker_main, &bc);
    tu_sleep_ms(300);
    EXPECT(!bc.done);
    CHECK_INT(pier_tcpserver_close(h), 0);
    int c_done = wait_done(&bc.done, 5000);
    if (!c_done) TT_SOFT_FAIL("a blocking send still runs 5 s after close() from another thread");
    pthread_join(bc.th, NULL);
    EXPECT(bc.rc != 0);
    EXPECT_ERR(pier_tcpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
    tt_watchdog(NULL, 0);
    close(fa);
    close(fb);
    tt_rec_clear(&r);
}

static uint64_t make_file(const char *path, long long size) {
    FILE *f = fopen(path, "wb");
    if (!f) TU_FAIL("fopen %s: %s", path, strerror(errno));
    uint64_t fnv = 1469598103934665603ull, x = 88172645463325252ull;
    unsigned char buf[65536];
    long long left = size;
    while (left > 0) {
        size_t n = left > (long long)sizeof buf ? sizeof buf : (size_t)left;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (unsigned char)x;
            fnv = (fnv ^ buf[i]) * 1099511628211ull;
        }
        if (fwrite(buf, 1, n, f) != n) TU_FAIL("fwrite: %s", strerror(errno));
        left -= (long long)n;
    }
    fclose(f);
    return fnv;
}

static void test_sendfile(long long size, uint64_t fnv) {
    tt_rec r;
    tt_rec_init(&r);
    r.store = 0;
    r.hook = bs_hook;
    memset(&bs, 0, sizeof bs);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    int port = tu_listen(h);
    int ca, cb;
    int fa = tt_accept_one(h, &r, port, &ca);
    int fb = tt_accept_one(h, &r, port, &cb);

    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.fd = fa;
    rd.want = -1; /* until EOF */
    rd.chunk = 65536;
    rd.tick_fd = fb;
    reader_start(&rd);
    bs.watch_cid = cb;
    long rss0 = tt_rss_kib();
    bs.in_send = 1;
    int rc = pier_tcpserver_do_sendfile(h, ca, bigfile);
    bs.in_send = 0;
    long rss1 = tt_rss_kib();
    EXPECT_INT(rc, 0);
    if (rc) fprintf(stderr, "  SendFile: %s\n", pier_tcpserver_get_last_error(h));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, ca, size);
    CHECK_OK(h, pier_tcpserver_do_disconnect(h, ca));
    PUMP_UNTIL(h, 5000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, ca) == 1);
    reader_join(&rd);
    EXPECT_INT(rd.got, size);
    if (rd.fnv != fnv) TT_SOFT_FAIL("SendFile: the client's checksum differs from the file's");
    if (bs.datain_during == 0) TT_SOFT_FAIL("no DataIn of another connection fired during SendFile");
    if (!tt_valgrind() && rss0 > 0 && rss1 - rss0 > 16 * 1024)
        TT_SOFT_FAIL("SendFile of %lld MiB grew the RSS by %ld KiB (bounded memory expected)", size >> 20,
                     rss1 - rss0);
    char sink[4096];
    while (tt_drain(fb, sink, sizeof sink) > 0) {
    }

    /* Errors: 912 for a missing file, a directory, a FIFO; the text says which. */
    char path[400];
    snprintf(path, sizeof path, "%s/no-such-file", tmpdir);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, cb, path), PIER_ERR_FILE);
    EXPECT(strstr(pier_tcpserver_get_last_error(h), "no-such-file") != NULL);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, cb, tmpdir), PIER_ERR_FILE);
    EXPECT(strstr(pier_tcpserver_get_last_error(h), tmpdir) != NULL);
    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    CHECK(mkfifo(path, 0600) == 0);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, cb, path), PIER_ERR_FILE);
    EXPECT(strstr(pier_tcpserver_get_last_error(h), "fifo") != NULL);
    unlink(path);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, cb, ""), PIER_ERR_FILE);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, ca, bigfile), PIER_ERR_INVALID_CONNECTION);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_CONNECTED, cb), "True");

    /* An empty file sends nothing; a relative path is relative to the cwd. */
    snprintf(path, sizeof path, "%s/empty", tmpdir);
    FILE *f = fopen(path, "w");
    fclose(f);
    EXPECT_OK(h, pier_tcpserver_do_sendfile(h, cb, path));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_BYTESSENT, cb, 0);
    snprintf(path, sizeof path, "%s/small.txt", tmpdir);
    f = fopen(path, "w");
    fputs("relative path works\n", f);
    fclose(f);
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(tmpdir) == 0);
    EXPECT_OK(h, pier_tcpserver_do_sendfile(h, cb, "small.txt"));
    CHECK(chdir(cwd) == 0);
    char buf[64];
    EXPECT_INT(tu_recv_exact(fb, buf, 20, 3000), 20);
    EXPECT(memcmp(buf, "relative path works\n", 20) == 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/empty", tmpdir);
    unlink(path);
    close(fa);
    close(fb);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_linger(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, 0));
    int port = tu_listen(h);
    int c1;
    int f1 = tt_accept_one(h, &r, port, &c1);
    CHECK_OK(h, pier_tcpserver_do_disconnect(h, c1));
    EXPECT_INT(tt_wait_end(f1, 2000), TT_END_RST);
    close(f1);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c1, 0)->code, 0); /* closed by the application */
    /* Linger is taken when a connection is accepted: existing ones keep theirs. */
    int c2;
    int f2 = tt_accept_one(h, &r, port, &c2);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, 1));
    int c3;
    int f3 = tt_accept_one(h, &r, port, &c3);
    CHECK_OK(h, pier_tcpserver_do_disconnect(h, c3));
    EXPECT_INT(tt_wait_end(f3, 2000), TT_END_FIN);
    close(f3);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_CONNECTED, c2, "False", -1));
    EXPECT_INT(tt_wait_end(f2, 2000), TT_END_RST);
    close(f2);
    pump(h, 50);
    CHECK_INT(pier_tcpserver_close(h), 0);

    /* close(): RST with Linger False, FIN with Linger True. */
    for (int linger = 0; linger <= 1; linger++) {
        pier_tcpserver *h2 = pier_tcpserver_open();
        CHECK_OK(h2, pier_tcpserver_set_int(h2, PIER_TCPSERVER_PROP_LINGER, 0, linger));
        tt_rec r2;
        tt_rec_init(&r2);
        tt_rec_attach(h2, &r2);
        int p2 = tu_listen(h2);
        int fd = tt_accept_one(h2, &r2, p2, NULL);
        CHECK_INT(pier_tcpserver_close(h2), 0);
        int end = tt_wait_end(fd, 2000);
        if (end != (linger ? TT_END_FIN : TT_END_RST))
            TT_SOFT_FAIL("close() with Linger %s: the client saw %d, expected %s", linger ? "True" : "False", end,
                         linger ? "a FIN" : "a reset");
        close(fd);
        EXPECT_INT(r2.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 0); /* close fires no events */
        tt_rec_clear(&r2);
    }
    tt_rec_clear(&r);
}

static void test_send_after_close(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    int c1;
    int f1 = tt_accept_one(h, &r, port, &c1);
    CHECK_OK(h, pier_tcpserver_do_disconnect(h, c1));
    int rc = pier_tcpserver_do_send(h, c1, "late", 4);
    if (rc == 0) TT_SOFT_FAIL("Send right after Disconnect succeeded");
    EXPECT(pier_tcpserver_do_sendline(h, c1, "late") != 0);
    EXPECT(pier_tcpserver_do_sendfile(h, c1, bigfile) != 0);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    EXPECT_ERR(pier_tcpserver_do_send(h, c1, "late", 4), PIER_ERR_INVALID_CONNECTION);
    EXPECT_INT(tt_wait_end(f1, 2000), TT_END_FIN);
    close(f1);

    /* The peer resets: sends fail (the first may still be taken by the kernel),
     * never crash, and Disconnected fires once. */
    int c2;
    int f2 = tt_accept_one(h, &r, port, &c2);
    tt_close_rst(f2);
    tu_sleep_ms(50);
    int fails = 0;
    for (int i = 0; i < 50 && !fails; i++) {
        rc = pier_tcpserver_do_send(h, c2, "data after reset", 16);
        if (rc != 0) {
            fails++;
            if (rc != PIER_ERR_CONNECTION_RESET && rc != 10053 && rc != 10058 && rc != 10057 &&
                rc != PIER_ERR_INVALID_CONNECTION)
                TT_SOFT_FAIL("send to a reset peer failed with %d (%s)", rc, pier_tcpserver_get_last_error(h));
        }
        tu_sleep_ms(5);
    }
    EXPECT(fails > 0);
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2) == 1);
    pump(h, 50);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2), 1);
    EXPECT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2, 0)->code != 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    const char *only = argc > 1 ? argv[1] : NULL;
    tu_tempdir(tmpdir, sizeof tmpdir, "pier_api_send");
    snprintf(bigfile, sizeof bigfile, "%s/big.bin", tmpdir);
    long long size = tt_valgrind() ? 16ll << 20 : 50ll << 20;
    uint64_t fnv = make_file(bigfile, size);
#define PART(name, call)                                                        \
    if (!only || strcmp(only, name) == 0) {                                     \
        fprintf(stderr, "-- %s\n", name);                                       \
        call;                                                                   \
    }
    PART("methods", test_send_methods());
    PART("backpressure", test_backpressure());
    PART("blocking", test_blocking_send());
    PART("interrupt", test_interrupt());
    PART("interrupt2", test_interrupt_more());
    PART("sendfile", test_sendfile(size, fnv));
    PART("linger", test_linger());
    PART("afterclose", test_send_after_close());
    unlink(bigfile);
    rmdir(tmpdir);
    return tt_exit("api_send");
}
