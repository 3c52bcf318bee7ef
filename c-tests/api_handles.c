/*
 * api_handles.c — the C API machinery of TCPServer (docs/API.md §3 Values, §4 Errors,
 * §8 "Values", "Errors and handles"):
 *
 *  - NULL, closed and never-opened handles for every function: 901, no crash;
 *    close(NULL) = 0, a second close = 901; get_last_error(_code) on bad
 *    handles (901 and a static text);
 *  - pier_strerror / pier_version / the version macros;
 *  - unknown property 903, unknown event 904, wrong type 905, invalid value
 *    906 (leaving the value unchanged), read-only 907, unknown setting 908,
 *    write-only 914, NULL arguments 902, bad connection ids 126, positions 913;
 *  - the last error: set by a failure, reset to 0 / "" by a success, never
 *    reset by get_last_error(_code) themselves, kept per handle;
 *  - get: len NULL, NUL-terminated buffer and right length, binary values with
 *    NUL bytes, integers as decimal text, booleans as "True"/"False";
 *  - set: text forms of integers (whitespace, sign) and booleans (any case),
 *    set(h, id, i, NULL, 0) = empty, NULL with a length = 902.
 */
#include "test_tcp.h"

static int dummy_cb(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    (void)params;
    (void)user_data;
    return 0;
}

/* Every function of the API on a handle that is not a live one. */
static void check_bad_handle(pier_tcpserver *bad, const char *what) {
    fprintf(stderr, "  bad handle: %s\n", what);
    int len = 1234;
    EXPECT_ERR(pier_tcpserver_register_callback(bad, PIER_TCPSERVER_EVENT_DATAIN, dummy_cb, NULL),
               PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_register_callback(bad, PIER_TCPSERVER_EVENT_DATAIN, NULL, NULL),
               PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(pier_tcpserver_get_last_error_code(bad), PIER_ERR_INVALID_HANDLE);
    const char *t1 = pier_tcpserver_get_last_error(bad);
    const char *t2 = pier_tcpserver_get_last_error(bad);
    EXPECT(t1 != NULL && strlen(t1) > 0);
    EXPECT(t1 == t2); /* a static text */
    EXPECT_ERR(pier_tcpserver_set(bad, PIER_TCPSERVER_PROP_LOCALHOST, 0, "x", -1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_set(bad, PIER_TCPSERVER_PROP_LOCALHOST, 0, NULL, 0), PIER_ERR_INVALID_HANDLE);
    EXPECT(pier_tcpserver_get(bad, PIER_TCPSERVER_PROP_LOCALHOST, 0, &len) == NULL);
    EXPECT(pier_tcpserver_get(bad, PIER_TCPSERVER_PROP_LOCALPORT, 0, NULL) == NULL);
    EXPECT_ERR(pier_tcpserver_set_int(bad, PIER_TCPSERVER_PROP_LOCALPORT, 0, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(pier_tcpserver_get_int(bad, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0), 0);
    EXPECT(pier_tcpserver_do_config(bad, "MaxConnections") == NULL);
    EXPECT(pier_tcpserver_do_config(bad, "MaxConnections=5") == NULL);
    EXPECT(pier_tcpserver_do_config(bad, NULL) == NULL);
    EXPECT_ERR(pier_tcpserver_do_doevents(bad), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_startlistening(bad), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_stoplistening(bad), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_shutdown(bad), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_reset(bad), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_disconnect(bad, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_interrupt(bad, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_pausedata(bad, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_processdata(bad, 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_changerecordlength(bad, 1, 4), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_send(bad, 1, "x", 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_send(bad, 1, NULL, 5), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_sendbytes(bad, 1, "x", 1), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_sendtext(bad, 1, "x"), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_sendline(bad, 1, "x"), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_do_sendfile(bad, 1, "/etc/hostname"), PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(pier_tcpserver_get_pollfd(bad), -1);
    EXPECT_INT(pier_tcpserver_get_timeout_ms(bad), -1);
    /* still 901 after all that */
    EXPECT_INT(pier_tcpserver_get_last_error_code(bad), PIER_ERR_INVALID_HANDLE);
}

static void test_version_and_strerror(void) {
    CHECK_STR(pier_version(), PIER_VERSION);
    char v[64];
    snprintf(v, sizeof v, "%d.%d.%d", PIER_VERSION_MAJOR, PIER_VERSION_MINOR, PIER_VERSION_PATCH);
    EXPECT_STR(pier_version(), v);
    EXPECT(pier_version() == pier_version()); /* static */

    /* Every code pier documents has its own, non-empty, static text. */
    static const int own[] = {900, 901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 911, 912, 913, 914};
    const int n_own = (int)(sizeof own / sizeof own[0]);
    for (int i = 0; i < n_own; i++) {
        const char *t = pier_strerror(own[i]);
        if (t == NULL || strlen(t) == 0) {
            TT_SOFT_FAIL("pier_strerror(%d) is %s", own[i], t ? "empty" : "NULL");
            continue;
        }
        EXPECT(pier_strerror(own[i]) == t);
        for (int j = 0; j < i; j++)
            if (strcmp(t, pier_strerror(own[j])) == 0)
                TT_SOFT_FAIL("pier_strerror(%d) and pier_strerror(%d) are the same text \"%s\"", own[i], own[j],
                             t);
    }
    static const int ref[] = {0, 104, 106, 107, 108, 126, 10035, 10048, 10054, 10060, 10061};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        const char *t = pier_strerror(ref[i]);
        EXPECT(t != NULL && strlen(t) > 0);
    }
    EXPECT(strstr(pier_strerror(126), "ConnectionId") != NULL);
    EXPECT(strstr(pier_strerror(PIER_ERR_INVALID_HANDLE), "andle") != NULL);
    /* Unknown codes still give a text (never NULL). */
    EXPECT(pier_strerror(123456) != NULL);
    EXPECT(pier_strerror(-1) != NULL);
}

static void test_bad_handles(void) {
    /* close(NULL) is harmless. */
    EXPECT_INT(pier_tcpserver_close(NULL), 0);

    check_bad_handle(NULL, "NULL");
    check_bad_handle((pier_tcpserver *)0x1234, "0x1234 (never opened)");
    static int not_a_handle;
    check_bad_handle((pier_tcpserver *)&not_a_handle, "address of a static int");
    check_bad_handle((pier_tcpserver *)(uintptr_t)-1, "(pier_tcpserver *)-1");

    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    CHECK_INT(pier_tcpserver_close(h), 0);
    check_bad_handle(h, "closed handle");
    EXPECT_ERR(pier_tcpserver_close(h), PIER_ERR_INVALID_HANDLE); /* second close */
    EXPECT_ERR(pier_tcpserver_close((pier_tcpserver *)0x1234), PIER_ERR_INVALID_HANDLE);

    /* A closed handle stays dead even when new handles are opened afterwards. */
    pier_tcpserver *h2 = pier_tcpserver_open();
    CHECK(h2 != NULL);
    EXPECT(h2 != h);
    EXPECT_ERR(pier_tcpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(pier_tcpserver_get_last_error_code(h2), 0);
    CHECK_INT(pier_tcpserver_close(h2), 0);

    /* A listening handle with a client: close frees everything, later calls 901. */
    pier_tcpserver *h3 = pier_tcpserver_open();
    int port = tu_listen(h3);
    int fd = tu_connect(port);
    pump(h3, 50);
    CHECK_INT(pier_tcpserver_close(h3), 0);
    EXPECT(tt_wait_end(fd, 3000) != TT_END_NONE); /* the client is closed */
    close(fd);
    EXPECT_ERR(pier_tcpserver_do_startlistening(h3), PIER_ERR_INVALID_HANDLE);
    EXPECT_INT(tt_connect4_try(port), -1); /* not listening any more */
}

static void test_unknown_ids_and_types(pier_tcpserver *h) {
    /* Unknown property ids: 903, for every accessor. */
    static const int bad_props[] = {0, -1, 37, 1000, 0x7fffffff};
    for (size_t i = 0; i < sizeof bad_props / sizeof bad_props[0]; i++) {
        int p = bad_props[i];
        int len = 77;
        EXPECT(pier_tcpserver_get(h, p, 0, &len) == NULL);
        EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);
        EXPECT(strlen(pier_tcpserver_get_last_error(h)) > 0);
        EXPECT_ERR(pier_tcpserver_set(h, p, 0, "1", -1), PIER_ERR_UNKNOWN_PROPERTY);
        EXPECT_ERR(pier_tcpserver_set_int(h, p, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
        EXPECT_INT(pier_tcpserver_get_int(h, p, 0), 0);
        EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);
    }

    /* Unknown event ids: 904; registering and unregistering known ones works. */
    static const int bad_events[] = {0, -1, 10, 100};
    for (size_t i = 0; i < sizeof bad_events / sizeof bad_events[0]; i++) {
        EXPECT_ERR(pier_tcpserver_register_callback(h, bad_events[i], dummy_cb, NULL), PIER_ERR_UNKNOWN_EVENT);
        EXPECT_ERR(pier_tcpserver_register_callback(h, bad_events[i], NULL, NULL), PIER_ERR_UNKNOWN_EVENT);
    }
    for (int e = PIER_TCPSERVER_EVENT_CONNECTED; e <= PIER_TCPSERVER_EVENT_SSLSTATUS; e++) {
        EXPECT_OK(h, pier_tcpserver_register_callback(h, e, dummy_cb, NULL));
        EXPECT_OK(h, pier_tcpserver_register_callback(h, e, NULL, NULL));
    }

    /* set_int / get_int on text and binary properties: 905. */
    static const int text_props[] = {PIER_TCPSERVER_PROP_LOCALHOST, PIER_TCPSERVER_PROP_DEFAULTEOL,
                                     PIER_TCPSERVER_PROP_CONNECTIONID, PIER_TCPSERVER_PROP_EOL,
                                     PIER_TCPSERVER_PROP_USERDATA, PIER_TCPSERVER_PROP_REMOTEHOST,
                                     PIER_TCPSERVER_PROP_DATATOSEND};
    for (size_t i = 0; i < sizeof text_props / sizeof text_props[0]; i++) {
        EXPECT_ERR(pier_tcpserver_set_int(h, text_props[i], 0, 1), PIER_ERR_WRONG_TYPE);
        EXPECT_INT(pier_tcpserver_get_int(h, text_props[i], 0), 0);
        EXPECT_LASTERR(h, PIER_ERR_WRONG_TYPE);
    }
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALHOST, 0), ""); /* unchanged */
}

static void test_values(pier_tcpserver *h) {
    int len = -1;
    /* Integers read as decimal text; get accepts len == NULL. */
    EXPECT_STR((const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, NULL), "2048");
    const char *v = (const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, &len);
    EXPECT_STR(v, "2048");
    EXPECT_INT(len, 4);
    EXPECT_LASTERR(h, 0);

    /* Text: NUL-terminated, length without the NUL. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    len = -1;
    v = (const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, &len);
    CHECK(v != NULL);
    EXPECT_INT(len, 9);
    EXPECT_INT(v[9], 0);
    EXPECT_STR(v, "127.0.0.1");
    /* An explicit length takes exactly that many bytes. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1XYZ", 9));
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALHOST, 0), "127.0.0.1");

    /* Binary values keep NUL bytes; the buffer is still NUL-terminated. */
    static const char eol[] = {'\0', 'E', 'N', 'D', '\0'};
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, eol, 5));
    len = -1;
    const unsigned char *b = (const unsigned char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, &len);
    CHECK(b != NULL);
    EXPECT_INT(len, 5);
    EXPECT(memcmp(b, eol, 5) == 0);
    EXPECT_INT(b[5], 0);

    /* set(h, id, i, NULL, 0) sets the empty value; NULL with a length is 902
     * and leaves the value alone. */
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, NULL, 5), PIER_ERR_NULL_ARGUMENT);
    EXPECT_LASTERR(h, PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, NULL, -1), PIER_ERR_NULL_ARGUMENT);
    len = -1;
    CHECK(tt_get(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, &len) != NULL);
    EXPECT_INT(len, 5);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, NULL, 0));
    len = -1;
    EXPECT_STR(tt_get(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, &len), "");
    EXPECT_INT(len, 0);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, NULL, 0));
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALHOST, 0), "");
    /* A negative length other than -1 is not a length. */
    EXPECT(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "abc", -2) != 0);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALHOST, 0), "");

    /* Integer text: decimal, optional sign, whitespace around ignored. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, " 8080 ", -1));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 8080);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALPORT, 0), "8080");
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, "+8081", -1));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 8081);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, "\t8082\r\n", -1));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 8082);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, "-0", -1));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, 0);
    /* Malformed or out of range: 906, value unchanged. */
    static const char *bad_ints[] = {"abc", "", "   ", "80 80", "0x50", "1.5", "12a", "-", "+",
                                     "99999999999999999999", "70000", "-1", "65536"};
    for (size_t i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++) {
        int rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, bad_ints[i], -1);
        if (rc != PIER_ERR_INVALID_VALUE)
            TT_SOFT_FAIL("set(LocalPort, \"%s\") returned %d, expected 906", bad_ints[i], rc);
        EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 8082);
    }
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 70000), PIER_ERR_INVALID_VALUE);
    EXPECT_LASTERR(h, PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, -1), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, (int64_t)1 << 40), PIER_ERR_INVALID_VALUE);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 8082);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0));

    /* DefaultMaxLineLength: minimum 256. */
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 255), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, "255", -1), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 0), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, -300), PIER_ERR_INVALID_VALUE);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 2048);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 256));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 256);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, "2048", 4));

    /* Timeouts cannot be negative. */
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, -5), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, -1), PIER_ERR_INVALID_VALUE);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 0);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, 0);

    /* Booleans: any case of True/False/Yes/No/1/0 in, "True"/"False" out. */
    static const struct {
        const char *in;
        const char *out;
    } bools[] = {{"false", "False"}, {"TRUE", "True"}, {"no", "False"}, {"Yes", "True"}, {"0", "False"},
                 {"1", "True"},      {" fAlSe ", "False"}, {"YES", "True"}};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        int rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LINGER, 0, bools[i].in, -1);
        if (rc != 0) TT_SOFT_FAIL("set(Linger, \"%s\") returned %d", bools[i].in, rc);
        len = -1;
        const char *got = tt_get(h, PIER_TCPSERVER_PROP_LINGER, 0, &len);
        if (!got || strcmp(got, bools[i].out) != 0 || len != (int)strlen(bools[i].out))
            TT_SOFT_FAIL("Linger after set(\"%s\") reads \"%s\" (len %d), expected \"%s\"", bools[i].in,
                         got ? got : "(null)", len, bools[i].out);
    }
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LINGER, 0, "maybe", -1), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LINGER, 0, "2", -1), PIER_ERR_INVALID_VALUE);
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LINGER, 0, "", 0), PIER_ERR_INVALID_VALUE);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LINGER, 0), "True"); /* unchanged */
    /* set_int on a boolean: 0 is False, anything else True; get_int 0/1. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, 0));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LINGER, 0, 0);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LINGER, 0), "False");
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, 42));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LINGER, 0, 1);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LINGER, 0, -7));
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LINGER, 0, 1);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LINGER, 0), "True");

    /* Read-only: 907 through set and set_int. */
    static const int ro[] = {PIER_TCPSERVER_PROP_CONNECTIONCOUNT, PIER_TCPSERVER_PROP_BYTESSENT,
                             PIER_TCPSERVER_PROP_CONNECTIONID,    PIER_TCPSERVER_PROP_LOCALADDRESS,
                             PIER_TCPSERVER_PROP_READYTOSEND,     PIER_TCPSERVER_PROP_REMOTEHOST,
                             PIER_TCPSERVER_PROP_REMOTEPORT};
    for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
        int rc = pier_tcpserver_set(h, ro[i], 0, "1", -1);
        if (rc != PIER_ERR_READ_ONLY) TT_SOFT_FAIL("set(read-only property %d) returned %d, expected 907", ro[i], rc);
        EXPECT_LASTERR(h, PIER_ERR_READ_ONLY);
    }
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 5), PIER_ERR_READ_ONLY);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_REMOTEPORT, 1, 5), PIER_ERR_READ_ONLY);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_BYTESSENT, 1, 5), PIER_ERR_READ_ONLY);
    EXPECT_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_READYTOSEND, 1, 1), PIER_ERR_READ_ONLY);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);

    /* Write-only: get(DataToSend) fails with 914. */
    len = 99;
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DATATOSEND, 0, &len) == NULL);
    EXPECT_LASTERR(h, PIER_ERR_WRITE_ONLY);
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DATATOSEND, 1, NULL) == NULL);
    EXPECT_LASTERR(h, PIER_ERR_WRITE_ONLY);
}

static void test_last_error(pier_tcpserver *h) {
    pier_tcpserver *other = pier_tcpserver_open();
    CHECK(other != NULL);
    EXPECT_INT(pier_tcpserver_get_last_error_code(h), pier_tcpserver_get_last_error_code(h));

    /* A failure sets code and text ... */
    EXPECT_ERR(pier_tcpserver_set_int(h, 9999, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);
    EXPECT(strlen(pier_tcpserver_get_last_error(h)) > 0);
    /* ... that reading them does not reset ... */
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);
    EXPECT(strlen(pier_tcpserver_get_last_error(h)) > 0);
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);
    /* ... and that belong to that handle only. */
    EXPECT_INT(pier_tcpserver_get_last_error_code(other), 0);
    EXPECT_STR(pier_tcpserver_get_last_error(other), "");
    EXPECT_ERR(pier_tcpserver_do_disconnect(other, 5), PIER_ERR_INVALID_CONNECTION);
    EXPECT_LASTERR(other, PIER_ERR_INVALID_CONNECTION);
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_PROPERTY);

    /* Every kind of successful call resets it to 0 / "". */
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, NULL) != NULL);
    EXPECT_LASTERR(h, 0);
    EXPECT_STR(pier_tcpserver_get_last_error(h), "");

    EXPECT(pier_tcpserver_do_config(h, "NoSuchSetting") == NULL);
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_SETTING);
    EXPECT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0) == 0);
    EXPECT_LASTERR(h, 0);

    EXPECT(pier_tcpserver_do_config(h, "NoSuchSetting=1") == NULL);
    EXPECT_LASTERR(h, PIER_ERR_UNKNOWN_SETTING);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 0));
    EXPECT_LASTERR(h, 0);

    EXPECT(pier_tcpserver_do_config(h, NULL) == NULL);
    EXPECT_LASTERR(h, PIER_ERR_NULL_ARGUMENT);
    EXPECT(pier_tcpserver_do_config(h, "MaxConnections") != NULL);
    EXPECT_LASTERR(h, 0);
    EXPECT_STR(pier_tcpserver_get_last_error(h), "");

    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, "x", -1), PIER_ERR_INVALID_VALUE);
    EXPECT(strlen(pier_tcpserver_get_last_error(h)) > 0);
    CHECK_OK(h, pier_tcpserver_do_doevents(h));
    EXPECT_LASTERR(h, 0);

    EXPECT_ERR(pier_tcpserver_register_callback(h, 77, dummy_cb, NULL), PIER_ERR_UNKNOWN_EVENT);
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_ERROR, NULL, NULL));
    EXPECT_LASTERR(h, 0);

    /* get_pollfd / get_timeout_ms succeed on a fresh handle. */
    EXPECT_ERR(pier_tcpserver_set_int(h, 9999, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    EXPECT(pier_tcpserver_get_pollfd(h) >= 0);
    EXPECT_LASTERR(h, 0);
    EXPECT_INT(pier_tcpserver_get_timeout_ms(h), -1); /* no timers */
    CHECK_INT(pier_tcpserver_close(other), 0);
}

static void test_config_errors(pier_tcpserver *h) {
    EXPECT_CFG_ERR(h, "NoSuchSetting", PIER_ERR_UNKNOWN_SETTING);
    EXPECT_CFG_ERR(h, "NoSuchSetting=5", PIER_ERR_UNKNOWN_SETTING);
    EXPECT_CFG_ERR(h, "MaxConnectionz=5", PIER_ERR_UNKNOWN_SETTING);
    EXPECT_CFG_ERR(h, "", PIER_ERR_UNKNOWN_SETTING);
    EXPECT_CFG_ERR(h, "=5", PIER_ERR_UNKNOWN_SETTING);
    EXPECT_CFG_ERR(h, "MaxConnections=abc", PIER_ERR_INVALID_VALUE);
    EXPECT_STR(C(h, "MaxConnections"), "1000");
    /* Text that is not UTF-8 is refused cleanly. */
    EXPECT_CFG_ERR(h, "MaxConnections=\xff\xfe", PIER_ERR_INVALID_VALUE);
    /* Read-only settings refuse a value with 907. */
    EXPECT_CFG_ERR(h, "BuildInfo=x", PIER_ERR_READ_ONLY);
    EXPECT_CFG_ERR(h, "LicenseInfo=x", PIER_ERR_READ_ONLY);

    /* A setting name with non-ASCII characters and an index must fail like any
     * unknown setting: 908 (or 906 for the index), never 900 (a caught panic).
     * "SSLNegotiate\xC3\xA9" is 14 bytes with a two-byte character at byte 12. */
    const char *r = pier_tcpserver_do_config(h, "SSLNegotiate\xC3\xA9[1]");
    int code = pier_tcpserver_get_last_error_code(h);
    if (r != NULL || (code != PIER_ERR_UNKNOWN_SETTING && code != PIER_ERR_INVALID_VALUE))
        TT_SOFT_FAIL("do_config(\"SSLNegotiate\\xC3\\xA9[1]\") gave %s, code %d (\"%s\"); expected NULL with 908 "
                     "or 906, not 900 (internal error: a panic)",
                     r ? r : "NULL", code, pier_tcpserver_get_last_error(h));
    r = pier_tcpserver_do_config(h, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9[3]=1");
    code = pier_tcpserver_get_last_error_code(h);
    if (r != NULL || code == PIER_ERR_INTERNAL)
        TT_SOFT_FAIL("do_config(\"<7 x e-acute>[3]=1\") gave %s, code %d (\"%s\"); expected a clean failure",
                     r ? r : "NULL", code, pier_tcpserver_get_last_error(h));
    /* The handle still works after that. */
    EXPECT_STR(C(h, "MaxConnections"), "1000");
}

static void test_connection_ids(pier_tcpserver *h) {
    /* No connection: every per-connection function fails with 126; positions 913. */
    static const int ids[] = {0, 1, -1, 12345};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int id = ids[i];
        EXPECT_ERR(pier_tcpserver_do_disconnect(h, id), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_pausedata(h, id), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_processdata(h, id), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_changerecordlength(h, id, 5), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_interrupt(h, id), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_send(h, id, "x", 1), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_sendbytes(h, id, "x", 1), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_sendtext(h, id, "x"), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_sendline(h, id, "x"), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_do_sendfile(h, id, "/etc/hostname"), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DATATOSEND, id, "x", 1), PIER_ERR_INVALID_CONNECTION);
        EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, id, "\n", 1), PIER_ERR_INVALID_CONNECTION);
        EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_REMOTEHOST, id, NULL) == NULL);
        EXPECT_LASTERR(h, PIER_ERR_INVALID_CONNECTION);
        EXPECT_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_REMOTEPORT, id), 0);
        EXPECT_LASTERR(h, PIER_ERR_INVALID_CONNECTION);
    }
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONID, 0, NULL) == NULL);
    EXPECT_LASTERR(h, PIER_ERR_INDEX);
    EXPECT(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONID, -1, NULL) == NULL);
    EXPECT_LASTERR(h, PIER_ERR_INDEX);

    /* NULL data: 902 (len 0 with NULL is the empty send). */
    EXPECT_ERR(pier_tcpserver_do_send(h, 1, NULL, 5), PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_do_sendbytes(h, 1, NULL, 5), PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_do_sendtext(h, 1, NULL), PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_do_sendline(h, 1, NULL), PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_do_sendfile(h, 1, NULL), PIER_ERR_NULL_ARGUMENT);
    EXPECT_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DATATOSEND, 1, NULL, 3), PIER_ERR_NULL_ARGUMENT);
}

static void test_listening_errors(pier_tcpserver *h) {
    /* StopListening / Shutdown when not listening are harmless. */
    EXPECT_OK(h, pier_tcpserver_do_stoplistening(h));
    EXPECT_OK(h, pier_tcpserver_do_shutdown(h));
    int port = tu_listen(h);
    EXPECT_ERR(pier_tcpserver_do_startlistening(h), PIER_ERR_ALREADY_LISTENING);
    EXPECT_LASTERR(h, PIER_ERR_ALREADY_LISTENING);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LISTENING, 0, 1);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);

    /* Another handle cannot bind the same port (BindExclusively True): 10048. */
    pier_tcpserver *h2 = pier_tcpserver_open();
    CHECK_OK(h2, pier_tcpserver_set(h2, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_OK(h2, pier_tcpserver_set_int(h2, PIER_TCPSERVER_PROP_LOCALPORT, 0, port));
    EXPECT_ERR(pier_tcpserver_do_startlistening(h2), PIER_ERR_ADDRESS_IN_USE);
    EXPECT_LASTERR(h2, PIER_ERR_ADDRESS_IN_USE);
    EXPECT(strlen(pier_tcpserver_get_last_error(h2)) > 0);
    EXPECT_GETINT(h2, PIER_TCPSERVER_PROP_LISTENING, 0, 0);
    EXPECT_GETINT(h2, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    /* A LocalHost that is not an address of this machine: 10049. */
    CHECK_OK(h2, pier_tcpserver_set(h2, PIER_TCPSERVER_PROP_LOCALHOST, 0, "192.0.2.1", -1));
    CHECK_OK(h2, pier_tcpserver_set_int(h2, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0));
    EXPECT_ERR(pier_tcpserver_do_startlistening(h2), 10049);
    EXPECT_GETINT(h2, PIER_TCPSERVER_PROP_LISTENING, 0, 0);
    CHECK_INT(pier_tcpserver_close(h2), 0);
    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    test_version_and_strerror();
    test_bad_handles();

    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), 0);
    CHECK_STR(pier_tcpserver_get_last_error(h), "");

    test_unknown_ids_and_types(h);
    test_values(h);
    test_last_error(h);
    test_config_errors(h);
    test_connection_ids(h);
    test_listening_errors(h);

    CHECK_INT(pier_tcpserver_close(h), 0);
    EXPECT_ERR(pier_tcpserver_close(h), PIER_ERR_INVALID_HANDLE);
    return tt_exit("api_handles");
}
