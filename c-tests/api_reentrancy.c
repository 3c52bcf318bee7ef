/*
 * api_reentrancy.c — calls from inside callbacks, threads, and the host loop
 * (docs/API.md §5, §8 "Blocking, re-entrancy and threads", "Host loop"):
 *
 *  - inside callbacks: get/set, do_config, send, SendLine, ChangeRecordLength,
 *    PauseData, Disconnect, a blocking send (moves its bytes, never 909, no
 *    nested events), a nested do_doevents (909); the event's text stays valid
 *    while the callback calls get/do_config;
 *  - close(handle) from inside DataIn, Connected, ConnectionRequest and
 *    Disconnected: no event fires after it, the handle is freed when the
 *    callback returns, later calls fail with 901, clients are closed
 *    (and valgrind sees no leak);
 *  - threads: two threads calling set/get/send on one handle while a third
 *    runs do_doevents (serialized, nothing lost); a call from another thread
 *    wakes a do_doevents waiting with SelectWaitMillis=5000; two handles
 *    driven by two threads at once;
 *  - host loop: get_pollfd + get_timeout_ms with SelectWaitMillis=0 and
 *    poll(2) drive an echo exchange; the descriptor is quiet once do_doevents
 *    drained the work, readable again when data comes or another thread calls;
 *    get_timeout_ms follows the idle timer (also a far one).
 */
#include "test_tcp.h"

#define DATAIN PIER_TCPSERVER_EVENT_DATAIN

/* ------------------------------------------------ calls inside callbacks */

static struct {
    int errors;       /* failed expectations inside callbacks */
    int nested_909;   /* nested do_doevents that returned 909 */
    int connected_ok; /* Connected callback checks that passed */
    int big_rc;       /* result of the blocking send inside DataIn */
    int big_done;
    int bye_send_rc;
    int disc_checks;
    int records;
} cb;

#define CB_EXPECT(cond)                                                         \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: FAILED inside a callback: %s\n", __FILE__, __LINE__, #cond); \
            cb.errors++;                                                        \
        }                                                                       \
    } while (0)

enum { BIG = 1 << 20 };
static unsigned char *big_data;

static void inside_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (pier_tcpserver_do_doevents(h) == PIER_ERR_REENTRANT) {
        cb.nested_909++;
        CB_EXPECT(pier_tcpserver_get_last_error_code(h) == PIER_ERR_REENTRANT);
    }
    if (id == PIER_TCPSERVER_EVENT_CONNECTED) {
        pier_tcpserver_connected_params *p = (pier_tcpserver_connected_params *)params;
        int c = p->connection_id;
        CB_EXPECT(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, c, "\n", -1) == 0);
        char ud[32];
        snprintf(ud, sizeof ud, "user-%d", c);
        CB_EXPECT(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_USERDATA, c, ud, -1) == 0);
        const char *v = G(h, PIER_TCPSERVER_PROP_USERDATA, c);
        CB_EXPECT(v && strcmp(v, ud) == 0);
        CB_EXPECT(pier_tcpserver_get_last_error_code(h) == 0);
        v = G(h, PIER_TCPSERVER_PROP_REMOTEHOST, c);
        CB_EXPECT(v && strcmp(v, "127.0.0.1") == 0);
        CB_EXPECT(C(h, "Stats") != NULL);
        CB_EXPECT(pier_tcpserver_do_sendline(h, c, "welcome") == 0);
        cb.connected_ok++;
        return;
    }
    if (id == PIER_TCPSERVER_EVENT_DISCONNECTED) {
        pier_tcpserver_disconnected_params *p = (pier_tcpserver_disconnected_params *)params;
        const char *v = G(h, PIER_TCPSERVER_PROP_USERDATA, p->connection_id);
        char ud[32];
        snprintf(ud, sizeof ud, "user-%d", p->connection_id);
        CB_EXPECT(v && strcmp(v, ud) == 0);
        cb.disc_checks++;
        return;
    }
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    int c = p->connection_id;
    char text[256];
    int n = p->text_len < 255 ? p->text_len : 255;
    memcpy(text, p->text, (size_t)n);
    text[n] = 0;
    /* get / do_config use the handle's buffer, not the event's text. */
    const unsigned char *before = p->text;
    CB_EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_REMOTEHOST, c, NULL) != NULL);
    CB_EXPECT(pier_tcpserver_do_config(h, "MaxConnections") != NULL);
    CB_EXPECT(p->text == before && memcmp(p->text, text, (size_t)n) == 0 && p->text_len == n);

    if (pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_RECORDLENGTH, c) == 3) {
        cb.records++;
        CB_EXPECT(p->eol && n == 3);
        if (cb.records == 2) CB_EXPECT(pier_tcpserver_do_changerecordlength(h, c, 0) == 0);
        return;
    }
    if (strncmp(text, "echo ", 5) == 0) {
        CB_EXPECT(pier_tcpserver_do_sendline(h, c, text + 5) == 0);
    } else if (strcmp(text, "pause") == 0) {
        CB_EXPECT(pier_tcpserver_do_pausedata(h, c) == 0);
        CB_EXPECT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_ACCEPTDATA, c) == 0);
    } else if (strcmp(text, "cfg") == 0) {
        CB_EXPECT(pier_tcpserver_do_config(h, "TcpNoDelay=True") != NULL);
        const char *v = C(h, "TcpNoDelay");
        CB_EXPECT(v && strcmp(v, "True") == 0);
        CB_EXPECT(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 4) == 0);
        CB_EXPECT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0) == 4);
        CB_EXPECT(pier_tcpserver_do_sendtext(h, c, "cfg ok\r\n") == 0);
    } else if (strcmp(text, "rl") == 0) {
        CB_EXPECT(pier_tcpserver_do_changerecordlength(h, c, 3) == 0);
    } else if (strcmp(text, "big") == 0) {
        CB_EXPECT(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, c, 10) == 0);
        cb.big_rc = pier_tcpserver_do_send(h, c, big_data, BIG);
        cb.big_done = 1;
        CB_EXPECT(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, c, 0) == 0);
    } else if (strcmp(text, "bye") == 0) {
        CB_EXPECT(pier_tcpserver_do_disconnect(h, c) == 0);
        cb.bye_send_rc = pier_tcpserver_do_send(h, c, "x", 1);
    }
}

typedef struct {
    int fd;
    long long want, got;
    pthread_t th;
} sink;

static void *sink_main(void *arg) {
    sink *s = (sink *)arg;
    char buf[65536];
    while (s->got < s->want) {
        ssize_t k = recv(s->fd, buf, sizeof buf, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        s->got += k;
    }
    return NULL;
}

/* Pump the server until the client has received `want` (exactly, then nothing more is read). */
static void expect_reply(const char *file, int line, pier_tcpserver *h, int fd, const char *want) {
    char got[256];
    size_t n = 0, wl = strlen(want);
    got[0] = 0;
    long long deadline = tu_now_ms() + tu_ms(3000);
    while (n < wl && tu_now_ms() < deadline) {
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
        ssize_t k = recv(fd, got + n, wl - n, MSG_DONTWAIT);
        if (k > 0) n += (size_t)k, got[n] = 0;
    }
    if (n != wl || memcmp(got, want, wl) != 0) {
        fprintf(stderr, "%s:%d: FAILED: the client received \"%s\", expected \"%s\"\n", file, line, got, want);
        tt_failures++;
    }
}
#define EXPECT_REPLY(h, fd, want) expect_reply(__FILE__, __LINE__, (h), (fd), (want))

static void test_inside_callbacks(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.hook = inside_hook;
    memset(&cb, 0, sizeof cb);
    big_data = (unsigned char *)malloc(BIG);
    memset(big_data, 'Z', BIG);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    EXPECT_REPLY(h, fd, "welcome\r\n");
    tu_send_str(fd, "echo hi\n");
    EXPECT_REPLY(h, fd, "hi\r\n");
    tu_send_str(fd, "cfg\n");
    EXPECT_REPLY(h, fd, "cfg ok\r\n");
    EXPECT_STR(C(h, "TcpNoDelay"), "True");
    EXPECT_INT(r.count[DATAIN], 2);

    /* PauseData inside DataIn; ProcessData from outside. */
    tu_send_str(fd, "pause\necho after\n");
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 3);
    tt_pump_raw(h, 150);
    EXPECT_INT(r.count[DATAIN], 3);
    EXPECT(tt_quiet(fd, 10));
    CHECK_OK(h, pier_tcpserver_do_processdata(h, cid));
    EXPECT_REPLY(h, fd, "after\r\n");

    /* ChangeRecordLength inside DataIn: the rest of the same read is records. */
    tu_send_str(fd, "rl\nabcdefecho rec\n");
    EXPECT_REPLY(h, fd, "rec\r\n");
    EXPECT_INT(cb.records, 2);

    /* A blocking send inside DataIn: its bytes move while a client reads;
     * it never fails with 909 and no callback nests. */
    sink s = {fd, BIG, 0, 0};
    pthread_create(&s.th, NULL, sink_main, &s);
    tu_send_str(fd, "big\n");
    PUMP_UNTIL(h, 10000, cb.big_done);
    pthread_join(s.th, NULL);
    EXPECT_INT(cb.big_rc, 0);
    EXPECT_INT(s.got, BIG);

    /* Disconnect inside DataIn: Disconnected 0 afterwards; sending after it fails. */
    tu_send_str(fd, "bye\necho never\n");
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    EXPECT(cb.bye_send_rc != 0);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0)->code, 0);
    EXPECT_INT(tt_wait_end(fd, 2000), TT_END_FIN);
    close(fd);

    EXPECT_INT(cb.errors, 0);
    EXPECT_INT(cb.connected_ok, 1);
    EXPECT_INT(cb.disc_checks, 1);
    EXPECT(cb.nested_909 >= r.n); /* every callback saw 909 */
    EXPECT_INT(tt_cb_max_depth, 1);
    /* DoEvents works normally outside callbacks. */
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
    CHECK_INT(pier_tcpserver_close(h), 0);
    free(big_data);
    tt_rec_clear(&r);
}

/* ------------------------------------------------ close inside a callback */

static struct {
    int close_on;   /* event id whose callback closes the handle */
    int closed;     /* close() returned 0 */
    int after_close_events;
    int calls_after_close_in_cb; /* calls on the handle right after close, inside the callback */
} cl;

static int close_cb(void *handle, int event_id, void *params, void *user_data) {
    pier_tcpserver *h = (pier_tcpserver *)handle;
    tt_rec *r = (tt_rec *)user_data;
    if (cl.closed) cl.after_close_events++;
    tt_on_event(handle, event_id, params, user_data);
    if (cl.closed || event_id != cl.close_on) return 0;
    if (event_id == DATAIN) {
        pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
        if (!(p->text_len == 5 && memcmp(p->text, "close", 5) == 0)) return 0;
    }
    (void)r;
    int rc = pier_tcpserver_close(h);
    if (rc == 0) cl.closed = 1;
    /* After close, the handle is already invalid for new calls. */
    if (pier_tcpserver_do_send(h, 1, "x", 1) == PIER_ERR_INVALID_HANDLE) cl.calls_after_close_in_cb++;
    if (pier_tcpserver_close(h) == PIER_ERR_INVALID_HANDLE) cl.calls_after_close_in_cb++;
    return 0;
}

static void close_inside(int event_id, const char *name) {
    fprintf(stderr, "  close() inside %s\n", name);
    memset(&cl, 0, sizeof cl);
    cl.close_on = event_id;
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    static const int ids[] = {PIER_TCPSERVER_EVENT_CONNECTED, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, DATAIN,
                              PIER_TCPSERVER_EVENT_DISCONNECTED, PIER_TCPSERVER_EVENT_ERROR,
                              PIER_TCPSERVER_EVENT_READYTOSEND};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        CHECK_OK(h, pier_tcpserver_register_callback(h, (int)ids[i], close_cb, &r));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    int other = tu_connect(port);
    int fd = -1;
    long long deadline = tu_now_ms() + tu_ms(5000);
    int rc = 0;
    int stage = 0;
    while (!cl.closed && tu_now_ms() < deadline) {
        if (stage == 0 && r.count[PIER_TCPSERVER_EVENT_CONNECTED] >= 1) {
            fd = tu_connect(port);
            stage = 1;
        }
        if (stage == 1 && r.count[PIER_TCPSERVER_EVENT_CONNECTED] >= 2) {
            tu_send_str(fd, "a\nclose\nb\n");
            tu_send_str(other, "c\n");
            if (event_id == PIER_TCPSERVER_EVENT_DISCONNECTED) close(other), other = -1;
            stage = 2;
        }
        rc = pier_tcpserver_do_doevents(h);
        if (rc != 0) break;
    }
    CHECK(cl.closed);
    EXPECT(rc == 0 || rc == PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(cl.after_close_events, 0);
    EXPECT_INT(cl.calls_after_close_in_cb, 2);
    if (event_id == DATAIN) {
        /* "a" and "close" only: nothing after the close, not even "b". */
        EXPECT_INT(tt_count(&r, DATAIN, 0) <= 3, 1);
        for (int i = 0; i < r.n; i++)
            if (r.ev[i].type == DATAIN && r.ev[i].len == 1 && r.ev[i].data[0] == 'b')
                TT_SOFT_FAIL("DataIn \"b\" fired after close() inside DataIn");
    }
    /* Later calls: 901. */
    EXPECT_ERR(pier_tcpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, NULL) == NULL);
    EXPECT_ERR(pier_tcpserver_close(h), PIER_ERR_INVALID_HANDLE);
    /* The clients are closed, the port is free. */
    if (fd >= 0) {
        EXPECT(tt_wait_end(fd, 2000) != TT_END_NONE);
        close(fd);
    }
    if (other >= 0) {
        EXPECT(tt_wait_end(other, 2000) != TT_END_NONE);
        close(other);
    }
    int again = tt_connect4_try(port);
    EXPECT_INT(again, -1);
    if (again >= 0) close(again);
    tt_rec_clear(&r);
}

static void test_close_inside(void) {
    close_inside(DATAIN, "DataIn");
    close_inside(PIER_TCPSERVER_EVENT_CONNECTED, "Connected");
    close_inside(PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, "ConnectionRequest");
    close_inside(PIER_TCPSERVER_EVENT_READYTOSEND, "ReadyToSend");
    close_inside(PIER_TCPSERVER_EVENT_DISCONNECTED, "Disconnected");
}

/* Shutdown and Reset from inside DataIn; close() from another thread while
 * DoEvents waits. */
static int sr_action; /* 1 Shutdown, 2 Reset */
static int sr_rc;
static void sr_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    if (p->text_len == 4 && memcmp(p->text, "stop", 4) == 0)
        sr_rc = sr_action == 1 ? pier_tcpserver_do_shutdown(h) : pier_tcpserver_do_reset(h);
}

typedef struct {
    pier_tcpserver *h;
    int rc;
    pthread_t th;
} closer;

static void *closer_main(void *arg) {
    closer *c = (closer *)arg;
    tu_sleep_ms(300);
    c->rc = pier_tcpserver_close(c->h);
    return NULL;
}

static void test_shutdown_reset_inside(void) {
    for (sr_action = 1; sr_action <= 2; sr_action++) {
        fprintf(stderr, "  %s inside DataIn\n", sr_action == 1 ? "Shutdown" : "Reset");
        tt_rec r;
        tt_rec_init(&r);
        r.hook = sr_hook;
        sr_rc = -1;
        pier_tcpserver *h = pier_tcpserver_open();
        tt_rec_attach(h, &r);
        CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
        int port = tu_listen(h);
        int c1, c2;
        int f1 = tt_accept_one(h, &r, port, &c1);
        int f2 = tt_accept_one(h, &r, port, &c2);
        tu_send_str(f1, "stop\nafter\n");
        PUMP_UNTIL(h, 3000, sr_rc != -1);
        pump(h, 100);
        EXPECT_INT(sr_rc, 0);
        EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LISTENING, 0, 0);
        EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);
        EXPECT_INT(tt_count(&r, DATAIN, 0), 1); /* not "after" */
        if (sr_action == 1) {
            EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 2);
            for (int i = 0; i < r.n; i++)
                if (r.ev[i].type == PIER_TCPSERVER_EVENT_DISCONNECTED) EXPECT_INT(r.ev[i].code, 0);
        } else {
            EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 0); /* Reset fires no events */
            EXPECT_STR(G(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0), "");
        }
        EXPECT(tt_wait_end(f1, 2000) != TT_END_NONE);
        EXPECT(tt_wait_end(f2, 2000) != TT_END_NONE);
        close(f1);
        close(f2);
        /* The handle works on. */
        int port2 = tu_listen(h);
        int f3 = tt_accept_one(h, &r, port2, NULL);
        close(f3);
        PUMP_UNTIL(h, 3000, pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0) == 0);
        CHECK_INT(pier_tcpserver_close(h), 0);
        tt_rec_clear(&r);
    }

    /* close() from another thread while DoEvents waits (SelectWaitMillis 5000). */
    tt_watchdog("close() from another thread during DoEvents", 20);
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    int fd = tt_accept_one(h, &r, port, NULL);
    CHECK_CFG(h, "SelectWaitMillis=5000");
    closer c = {h, -1, 0};
    pthread_create(&c.th, NULL, closer_main, &c);
    long long t0 = tu_now_ms();
    int rc = 0;
    while (rc == 0 && tu_now_ms() - t0 < 8000) rc = pier_tcpserver_do_doevents(h);
    long long dt = tu_now_ms() - t0;
    pthread_join(c.th, NULL);
    EXPECT_INT(c.rc, 0);
    EXPECT_INT(rc, PIER_ERR_INVALID_HANDLE);
    if (dt > 2500 + (tt_valgrind() ? 2000 : 0))
        TT_SOFT_FAIL("DoEvents noticed close() from another thread only after %lld ms", dt);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 0);
    EXPECT(tt_wait_end(fd, 2000) != TT_END_NONE);
    close(fd);
    tt_watchdog(NULL, 0);
    tt_rec_clear(&r);
}

/* ------------------------------------------------------------- threads */

typedef struct {
    pier_tcpserver *h;
    int cid;
    char byte;
    int iterations;
    int mismatches;
    int send_errors;
    int other_errors;
    pthread_t th;
} worker;

static void *worker_main(void *arg) {
    worker *w = (worker *)arg;
    char ud[32];
    for (int i = 0; i < w->iterations; i++) {
        /* Only this thread writes this connection's Timeout: it reads back its own. */
        if (pier_tcpserver_set_int(w->h, PIER_TCPSERVER_PROP_TIMEOUT, w->cid, i % 100) != 0) w->other_errors++;
        if (pier_tcpserver_get_int(w->h, PIER_TCPSERVER_PROP_TIMEOUT, w->cid) != i % 100) w->mismatches++;
        snprintf(ud, sizeof ud, "%c-%d", w->byte, i);
        if (pier_tcpserver_set(w->h, PIER_TCPSERVER_PROP_USERDATA, w->cid, ud, -1) != 0) w->other_errors++;
        /* The get buffer is shared by every thread of the handle: only check
         * that the call works (docs/API.md §3: valid until the next get). */
        if (pier_tcpserver_get(w->h, PIER_TCPSERVER_PROP_USERDATA, w->cid, NULL) == NULL) w->other_errors++;
        if (pier_tcpserver_do_config(w->h, "Stats") == NULL) w->other_errors++;
        if (pier_tcpserver_get_int(w->h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0) != 2) w->mismatches++;
        if (pier_tcpserver_do_send(w->h, w->cid, &w->byte, 1) != 0) w->send_errors++;
    }
    return NULL;
}

static volatile int stop_loop;
static void *loop_main(void *arg) {
    pier_tcpserver *h = (pier_tcpserver *)arg;
    while (!stop_loop)
        if (pier_tcpserver_do_doevents(h) != 0) break;
    return NULL;
}

static void test_threads(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.store = 0;
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    int ca, cb2;
    int fa = tt_accept_one(h, &r, port, &ca);
    int fb = tt_accept_one(h, &r, port, &cb2);
    /* Lines waiting for the dispatching thread. */
    for (int i = 0; i < 200; i++) {
        tu_send_str(fa, "line from a\n");
        tu_send_str(fb, "line from b\n");
    }
    const int N = tt_valgrind() ? 300 : 2000;
    worker w1 = {h, ca, 'a', N, 0, 0, 0, 0}, w2 = {h, cb2, 'b', N, 0, 0, 0, 0};
    pthread_t loop;
    stop_loop = 0;
    pthread_create(&loop, NULL, loop_main, h);
    pthread_create(&w1.th, NULL, worker_main, &w1);
    pthread_create(&w2.th, NULL, worker_main, &w2);
    pthread_join(w1.th, NULL);
    pthread_join(w2.th, NULL);
    long long deadline = tu_now_ms() + tu_ms(5000);
    while (r.count[DATAIN] < 400 && tu_now_ms() < deadline) tu_sleep_ms(10);
    stop_loop = 1;
    pthread_join(loop, NULL);
    EXPECT_INT(w1.mismatches + w2.mismatches, 0);
    EXPECT_INT(w1.send_errors + w2.send_errors, 0);
    EXPECT_INT(w1.other_errors + w2.other_errors, 0);
    EXPECT_INT(r.count[DATAIN], 400);
    EXPECT_INT(tt_cb_max_depth, 1);
    /* Each client got exactly its bytes. */
    char *buf = (char *)malloc((size_t)N + 1);
    size_t ga = tu_recv_exact(fa, buf, (size_t)N, 3000);
    EXPECT_INT(ga, N);
    for (size_t i = 0; i < ga; i++)
        if (buf[i] != 'a') {
            TT_SOFT_FAIL("client a got byte '%c' at %zu", buf[i], i);
            break;
        }
    size_t gb = tu_recv_exact(fb, buf, (size_t)N, 3000);
    EXPECT_INT(gb, N);
    for (size_t i = 0; i < gb; i++)
        if (buf[i] != 'b') {
            TT_SOFT_FAIL("client b got byte '%c' at %zu", buf[i], i);
            break;
        }
    EXPECT(tt_quiet(fa, 50) && tt_quiet(fb, 50));
    free(buf);
    char ud[32];
    snprintf(ud, sizeof ud, "a-%d", N - 1);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_USERDATA, ca), ud);
    close(fa);
    close(fb);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

typedef struct {
    pier_tcpserver *h;
    int delay_ms;
    int what; /* 0 set_int, 1 do_config, 2 disconnect */
    int cid;
    int rc;
    pthread_t th;
    volatile long long poked_at;
} poker;

static void *poker_main(void *arg) {
    poker *p = (poker *)arg;
    tu_sleep_ms(p->delay_ms);
    p->poked_at = tu_now_ms();
    if (p->what == 0) p->rc = pier_tcpserver_set_int(p->h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 1);
    else if (p->what == 1) p->rc = pier_tcpserver_do_config(p->h, "SelectWaitMillis") ? 0 : -1;
    else p->rc = pier_tcpserver_do_disconnect(p->h, p->cid);
    return NULL;
}

static void test_wake(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    pump(h, 50);

    /* Without a wake, DoEvents waits SelectWaitMillis. */
    CHECK_CFG(h, "SelectWaitMillis=300");
    CHECK_OK(h, pier_tcpserver_do_doevents(h)); /* consume whatever is pending */
    long long t0 = tu_now_ms();
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
    long long waited = tu_now_ms() - t0;
    if (waited < 250) TT_SOFT_FAIL("DoEvents with nothing to do returned after %lld ms, SelectWaitMillis 300", waited);

    const long long bound = 2000 + (tt_valgrind() ? 2000 : 0);
    for (int what = 0; what < 3; what++) {
        /* Drain, then wait with SelectWaitMillis 5000 while another thread calls. */
        CHECK_CFG(h, "SelectWaitMillis=0");
        for (int i = 0; i < 3; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
        CHECK_CFG(h, "SelectWaitMillis=5000");
        poker p = {h, 300, what, cid, -99, 0, 0};
        pthread_create(&p.th, NULL, poker_main, &p);
        long long t_start = tu_now_ms(), start, end;
        int in_progress = 0;
        do {
            start = tu_now_ms();
            CHECK_OK(h, pier_tcpserver_do_doevents(h));
            end = tu_now_ms();
            long long poked = p.poked_at;
            in_progress = poked != 0 && start <= poked;
            if (what == 2) in_progress = r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1;
        } while (!in_progress && end - t_start < 12000);
        pthread_join(p.th, NULL);
        long long dt = end - p.poked_at;
        EXPECT_INT(p.rc, 0);
        fprintf(stderr, "  wake by %s: DoEvents returned %lld ms after the call\n",
                what == 0 ? "set_int" : what == 1 ? "do_config" : "Disconnect", dt);
        if (!in_progress || dt >= bound)
            TT_SOFT_FAIL("a call from another thread (%s) did not wake DoEvents: it returned %lld ms later "
                         "with SelectWaitMillis 5000",
                         what == 0 ? "set_int" : what == 1 ? "do_config" : "Disconnect", dt);
    }
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 1);
    close(fd);
    CHECK_CFG(h, "SelectWaitMillis=20");
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* Two handles, two threads, at the same time. */
typedef struct {
    int lines;
    int ok;
    pthread_t th;
} pair;

static int echo_cb(void *handle, int event_id, void *params, void *user_data) {
    (void)event_id;
    (void)user_data;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    pier_tcpserver_do_sendline((pier_tcpserver *)handle, p->connection_id, (const char *)p->text);
    return 0;
}

static void *pair_main(void *arg) {
    pair *pr = (pair *)arg;
    pier_tcpserver *h = pier_tcpserver_open();
    pier_tcpserver_register_callback(h, DATAIN, echo_cb, NULL);
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1);
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    if (pier_tcpserver_do_startlistening(h) != 0) return NULL;
    int port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    int fd = tu_connect(port);
    int good = 0;
    for (int i = 0; i < pr->lines; i++) {
        char line[32], want[32], got[64];
        snprintf(line, sizeof line, "msg %d\n", i);
        snprintf(want, sizeof want, "msg %d\r\n", i);
        tu_send_str(fd, line);
        got[0] = 0;
        size_t n = 0;
        long long deadline = tu_now_ms() + tu_ms(3000);
        while (strstr(got, "\r\n") == NULL && tu_now_ms() < deadline) {
            pier_tcpserver_do_doevents(h);
            ssize_t k = recv(fd, got + n, sizeof got - 1 - n, MSG_DONTWAIT);
            if (k > 0) n += (size_t)k, got[n] = 0;
        }
        if (strcmp(got, want) == 0) good++;
    }
    pr->ok = good;
    close(fd);
    pier_tcpserver_close(h);
    return NULL;
}

static void test_two_handles(void) {
    pair a = {100, 0, 0}, b = {100, 0, 0};
    pthread_create(&a.th, NULL, pair_main, &a);
    pthread_create(&b.th, NULL, pair_main, &b);
    pthread_join(a.th, NULL);
    pthread_join(b.th, NULL);
    EXPECT_INT(a.ok, 100);
    EXPECT_INT(b.ok, 100);
}

/* ------------------------------------------------------------- host loop */

static int poll_fd(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    int r;
    do {
        r = poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r;
}

static void host_step(pier_tcpserver *h, int pfd) {
    int t = pier_tcpserver_get_timeout_ms(h);
    if (t < 0 || t > 100) t = 100;
    poll_fd(pfd, t);
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
}

static void test_host_loop(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_register_callback(h, DATAIN, echo_cb, NULL));
    CHECK_CFG(h, "SelectWaitMillis=0");
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int pfd = pier_tcpserver_get_pollfd(h);
    CHECK(pfd >= 0);
    EXPECT_INT(pier_tcpserver_get_pollfd(h), pfd); /* stable */
    int port = tu_listen(h);

    /* DoEvents never waits with SelectWaitMillis 0. */
    long long t0 = tu_now_ms();
    for (int i = 0; i < 50; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
    EXPECT(tu_now_ms() - t0 < tu_ms(1000));

    /* A connection: the descriptor becomes readable. */
    int fd = tu_connect(port);
    EXPECT_INT(poll_fd(pfd, tu_ms(2000)), 1);
    long long deadline = tu_now_ms() + tu_ms(3000);
    while (r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 0 && tu_now_ms() < deadline) host_step(h, pfd);
    CHECK_INT(r.count[PIER_TCPSERVER_EVENT_CONNECTED], 1);
    int cid = r.last_cid;

    /* An echo exchange driven only by poll(2). */
    for (int i = 0; i < 20; i++) {
        char line[32], want[32], got[64];
        snprintf(line, sizeof line, "ping %d\n", i);
        snprintf(want, sizeof want, "ping %d\r\n", i);
        tu_send_str(fd, line);
        size_t n = 0;
        got[0] = 0;
        deadline = tu_now_ms() + tu_ms(3000);
        while (strstr(got, "\r\n") == NULL && tu_now_ms() < deadline) {
            host_step(h, pfd);
            ssize_t k = recv(fd, got + n, sizeof got - 1 - n, MSG_DONTWAIT);
            if (k > 0) n += (size_t)k, got[n] = 0;
        }
        EXPECT_STR(got, want);
    }

    /* Once DoEvents has drained the work, the descriptor is quiet and no timer is due. */
    for (int i = 0; i < 10 && poll_fd(pfd, 0) != 0; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
    EXPECT_INT(poll_fd(pfd, 0), 0);
    EXPECT_INT(poll_fd(pfd, 100), 0);
    EXPECT_INT(pier_tcpserver_get_timeout_ms(h), -1);

    /* Data makes it readable again. */
    tu_send_str(fd, "x");
    EXPECT_INT(poll_fd(pfd, tu_ms(2000)), 1);
    CHECK_OK(h, pier_tcpserver_do_doevents(h));

    /* A far timer (34 days) still gives a positive wait, never a negative one. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cid, 3000000));
    for (int i = 0; i < 10 && poll_fd(pfd, 0) != 0; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
    int t = pier_tcpserver_get_timeout_ms(h);
    int le = pier_tcpserver_get_last_error_code(h);
    if (le != 0 || t < 2 * 1000 * 1000)
        TT_SOFT_FAIL("get_timeout_ms with the next timer 3,000,000 s away returned %d (last error %d \"%s\"); "
                     "expected a large positive wait (clamped to INT_MAX)",
                     t, le, pier_tcpserver_get_last_error(h));
    /* The far timer must not make DoEvents spin or misbehave either. */
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cid, 0));
    /* The idle timer shows in get_timeout_ms. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cid, 2));
    for (int i = 0; i < 10 && poll_fd(pfd, 0) != 0; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
    t = pier_tcpserver_get_timeout_ms(h);
    if (t <= 0 || t > 2000) TT_SOFT_FAIL("get_timeout_ms with an idle timer of 2 s: %d", t);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cid, 0));

    /* A call from another thread makes the descriptor readable. */
    for (int i = 0; i < 10 && poll_fd(pfd, 0) != 0; i++) CHECK_OK(h, pier_tcpserver_do_doevents(h));
    poker p = {h, 200, 2, cid, -99, 0, 0};
    pthread_create(&p.th, NULL, poker_main, &p);
    t0 = tu_now_ms();
    int pr = poll_fd(pfd, 3000);
    long long dt = tu_now_ms() - t0;
    pthread_join(p.th, NULL);
    EXPECT_INT(p.rc, 0);
    if (pr != 1) TT_SOFT_FAIL("the descriptor did not become readable after Disconnect from another thread");
    deadline = tu_now_ms() + tu_ms(3000);
    while (r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 0 && tu_now_ms() < deadline) host_step(h, pfd);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 1);
    (void)dt;
    close(fd);
    CHECK_INT(pier_tcpserver_close(h), 0);
    EXPECT_INT(pier_tcpserver_get_pollfd(h), -1);
    tt_rec_clear(&r);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    const char *only = argc > 1 ? argv[1] : NULL;
#define PART(name, fn)                                                          \
    if (!only || strcmp(only, name) == 0) {                                     \
        fprintf(stderr, "-- %s\n", name);                                       \
        fn();                                                                   \
    }
    PART("inside", test_inside_callbacks);
    PART("close", test_close_inside);
    PART("shutdownreset", test_shutdown_reset_inside);
    PART("threads", test_threads);
    PART("wake", test_wake);
    PART("twohandles", test_two_handles);
    PART("hostloop", test_host_loop);
    return tt_exit("api_reentrancy");
}
