/*
 * api_smoke.c — the C API end to end, as the smallest C user sees it:
 * version and error texts, misuse of handles, listening on port 0, a real
 * client connecting, a line in, a line out, the client leaving, close.
 * (docs/API.md §1, §4, §8.)
 */
#include "test_util.h"

struct seen {
    int connected, disconnected, datain;
    int cid;
    int disconnect_status;
    char line[256];
    int line_eol;
};

static int on_connected(void *handle, int event_id, void *params, void *user_data) {
    struct seen *s = (struct seen *)user_data;
    pier_tcpserver_connected_params *p = (pier_tcpserver_connected_params *)params;
    CHECK(handle != NULL);
    CHECK_INT(event_id, PIER_TCPSERVER_EVENT_CONNECTED);
    CHECK(p->connection_id > 0);
    CHECK_INT(p->status_code, 0);
    s->connected++;
    s->cid = p->connection_id;
    return 0;
}

static int on_datain(void *handle, int event_id, void *params, void *user_data) {
    struct seen *s = (struct seen *)user_data;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    CHECK_INT(event_id, PIER_TCPSERVER_EVENT_DATAIN);
    CHECK(p->text_len >= 0 && p->text_len < (int)sizeof s->line);
    CHECK_INT(p->text[p->text_len], 0); /* binary data is followed by a NUL byte */
    memcpy(s->line, p->text, (size_t)p->text_len);
    s->line[p->text_len] = '\0';
    s->line_eol = p->eol;
    s->datain++;
    /* Calls on the same handle from inside a callback are allowed. */
    CHECK_OK((pier_tcpserver *)handle,
             pier_tcpserver_do_sendline((pier_tcpserver *)handle, p->connection_id, s->line));
    /* ...but not a nested DoEvents. */
    CHECK_ERR(pier_tcpserver_do_doevents((pier_tcpserver *)handle), PIER_ERR_REENTRANT);
    return 0;
}

static int on_disconnected(void *handle, int event_id, void *params, void *user_data) {
    struct seen *s = (struct seen *)user_data;
    pier_tcpserver_disconnected_params *p = (pier_tcpserver_disconnected_params *)params;
    (void)handle;
    CHECK_INT(event_id, PIER_TCPSERVER_EVENT_DISCONNECTED);
    CHECK_INT(p->connection_id, s->cid);
    CHECK(p->description != NULL);
    s->disconnect_status = p->status_code;
    s->disconnected++;
    return 0;
}

int main(void) {
    /* Version and error texts need no handle. */
    CHECK_STR(pier_version(), PIER_VERSION);
    CHECK(pier_strerror(PIER_ERR_INVALID_HANDLE) != NULL);
    CHECK(strlen(pier_strerror(PIER_ERR_INVALID_HANDLE)) > 0);
    CHECK(pier_strerror(10035) != NULL);

    /* A NULL handle never crashes, it fails with 901. */
    CHECK_INT(pier_tcpserver_close(NULL), 0);
    CHECK_ERR(pier_tcpserver_do_doevents(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK_ERR(pier_tcpserver_set_int(NULL, PIER_TCPSERVER_PROP_LOCALPORT, 0, 1), PIER_ERR_INVALID_HANDLE);
    CHECK_INT(pier_tcpserver_get_last_error_code(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK(pier_tcpserver_get_last_error(NULL) != NULL);
    CHECK(pier_tcpserver_get(NULL, PIER_TCPSERVER_PROP_LOCALHOST, 0, NULL) == NULL);

    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), 0);

    /* Misuse with a good handle. */
    CHECK_ERR(pier_tcpserver_set_int(h, 9999, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_ERR(pier_tcpserver_register_callback(h, 9999, on_connected, NULL), PIER_ERR_UNKNOWN_EVENT);
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, NULL, 5), PIER_ERR_NULL_ARGUMENT);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LISTENING, 0, 0));
    CHECK(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_DATATOSEND, 0, NULL) == NULL);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), PIER_ERR_WRITE_ONLY);
    CHECK_ERR(pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 3), PIER_ERR_READ_ONLY);
    /* A successful call resets the last error. */
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0), 0);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), 0);

    struct seen s;
    memset(&s, 0, sizeof s);
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTED, on_connected, &s));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, on_datain, &s));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DISCONNECTED, on_disconnected, &s));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\r\n", -1));

    int port = tu_listen(h);
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LISTENING, 0), 1);
    int len = -1;
    const char *listening = (const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_LISTENING, 0, &len);
    CHECK_STR(listening, "True");
    CHECK_INT(len, 4);

    int fd = tu_connect(port);
    PUMP_UNTIL(h, 5000, s.connected == 1);
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0), 1);
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%d", s.cid);
    CHECK_STR((const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONID, 0, NULL), idtext);
    CHECK(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONID, 1, NULL) == NULL);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), PIER_ERR_INDEX);
    CHECK_STR((const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_REMOTEHOST, s.cid, NULL), "127.0.0.1");
    CHECK_STR((const char *)pier_tcpserver_get(h, PIER_TCPSERVER_PROP_EOL, s.cid, NULL), "\r\n");

    /* A line cut in two on the way still arrives as one DataIn. */
    tu_send_str(fd, "hello, ");
    pump(h, 50);
    CHECK_INT(s.datain, 0);
    tu_send_str(fd, "pier\r\n");
    PUMP_UNTIL(h, 5000, s.datain == 1);
    CHECK_STR(s.line, "hello, pier");
    CHECK(s.line_eol);

    char reply[64];
    size_t got = tu_recv_until(fd, reply, sizeof reply, "\r\n", 5000);
    CHECK_INT(got, strlen("hello, pier\r\n"));
    CHECK_STR(reply, "hello, pier\r\n");

    /* The client leaves: Disconnected with 0 / "OK". */
    close(fd);
    PUMP_UNTIL(h, 5000, s.disconnected == 1);
    CHECK_INT(s.disconnect_status, 0);
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0), 0);
    CHECK_ERR(pier_tcpserver_do_send(h, s.cid, "x", 1), PIER_ERR_INVALID_CONNECTION); /* the id is gone */

    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LISTENING, 0), 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    /* A second close, and any call on the closed handle, fail with 901. */
    CHECK_ERR(pier_tcpserver_close(h), PIER_ERR_INVALID_HANDLE);
    CHECK_ERR(pier_tcpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
    printf("api_smoke: ok\n");
    return 0;
}
