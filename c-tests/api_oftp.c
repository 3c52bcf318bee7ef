/*
 * api_oftp.c — OFTPServer through the C API: defaults, misuse, and one ODETTE
 * FTP 2.0 session driven by a hand-written Initiator on 127.0.0.1: SSRM, the
 * SSIDs (AcceptConnection's fields), a file received (AcceptFile,
 * StartTransfer, Transfer, EndTransfer; the file byte-exact in the download
 * directory), the EERP at the server's turn, ReadyToSend and Logoff, the
 * client's ESID and Disconnected 0. Layouts: RFC 5024 §5.3 (docs/OFTP.md).
 */
#include "test_util.h"

#define OF_OK(h, call)                                                          \
    do {                                                                        \
        int rc_ = (call);                                                       \
        if (rc_ != 0) TU_FAIL("%s returned %d: %s", #call, rc_, pier_oftpserver_get_last_error(h)); \
    } while (0)

#define OF_PUMP_UNTIL(h, ms, cond)                                              \
    do {                                                                        \
        long long d_ = tu_now_ms() + tu_ms(ms);                                 \
        while (!(cond)) {                                                       \
            if (tu_now_ms() >= d_) TU_FAIL("timed out waiting for %s", #cond);  \
            OF_OK(h, pier_oftpserver_do_doevents(h));                           \
        }                                                                       \
    } while (0)

struct seen {
    int accept_connection, connected, accept_file, start_transfer, end_transfer, ready, disconnected;
    int pitrail_in, pitrail_out, errors;
    int cid, client_version, disconnect_code;
    long long transferred, file_size;
    char ssid[32], password[16], vfn[32], local_file[512], dir[256];
};

static int on_event(void *handle, int event_id, void *params, void *user_data) {
    pier_oftpserver *h = (pier_oftpserver *)handle;
    struct seen *s = (struct seen *)user_data;
    switch (event_id) {
    case PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION: {
        pier_oftpserver_acceptconnection_params *p = (pier_oftpserver_acceptconnection_params *)params;
        s->accept_connection++;
        s->cid = p->connection_id;
        s->client_version = p->client_version;
        snprintf(s->ssid, sizeof s->ssid, "%s", p->client_ssid_code);
        snprintf(s->password, sizeof s->password, "%s", p->client_password);
        CHECK(p->accept);
        CHECK_INT(p->server_version, 3);
        CHECK_INT(pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, p->connection_id, s->dir, -1), 0);
        break;
    }
    case PIER_OFTPSERVER_EVENT_CONNECTED:
        s->connected++;
        CHECK_INT(((pier_oftpserver_connected_params *)params)->status_code, 0);
        break;
    case PIER_OFTPSERVER_EVENT_ACCEPTFILE: {
        pier_oftpserver_acceptfile_params *p = (pier_oftpserver_acceptfile_params *)params;
        s->accept_file++;
        snprintf(s->vfn, sizeof s->vfn, "%s", p->virtual_file_name);
        CHECK_STR(p->virtual_file_date, "12/07/2026 06:30:00");
        CHECK_STR(p->destination, "O0013SERVER");
        CHECK_STR(p->originator, "O0013CLIENT");
        CHECK(p->accept);
        CHECK_INT(p->error_code, 99);
        CHECK(strstr(p->file_name, "INVOICES") != NULL);
        break;
    }
    case PIER_OFTPSERVER_EVENT_STARTTRANSFER: {
        pier_oftpserver_starttransfer_params *p = (pier_oftpserver_starttransfer_params *)params;
        s->start_transfer++;
        CHECK_INT(p->direction, 0);
        snprintf(s->local_file, sizeof s->local_file, "%s", p->local_file);
        break;
    }
    case PIER_OFTPSERVER_EVENT_TRANSFER: {
        pier_oftpserver_transfer_params *p = (pier_oftpserver_transfer_params *)params;
        s->transferred = p->bytes_transferred;
        CHECK(p->text_len > 0 && p->text[p->text_len] == 0);
        break;
    }
    case PIER_OFTPSERVER_EVENT_ENDTRANSFER: {
        pier_oftpserver_endtransfer_params *p = (pier_oftpserver_endtransfer_params *)params;
        s->end_transfer++;
        CHECK_INT(p->reason_code, 0);
        CHECK(p->send_end_response);
        s->file_size = p->file_size;
        break;
    }
    case PIER_OFTPSERVER_EVENT_READYTOSEND:
        s->ready++;
        CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_CONNREADYTOSEND, s->cid), 1);
        /* After the EERP the server is an ordinary Speaker: Logoff sends CD. */
        CHECK_INT(pier_oftpserver_do_logoff(h, ((pier_oftpserver_readytosend_params *)params)->connection_id), 0);
        break;
    case PIER_OFTPSERVER_EVENT_PITRAIL: {
        pier_oftpserver_pitrail_params *p = (pier_oftpserver_pitrail_params *)params;
        CHECK(p->data_len >= 1 && p->data[0] == (uint8_t)p->command_id);
        if (p->direction == 0) s->pitrail_in++;
        else s->pitrail_out++;
        break;
    }
    case PIER_OFTPSERVER_EVENT_ERROR:
        s->errors++;
        fprintf(stderr, "Error %d: %s\n", ((pier_oftpserver_error_params *)params)->error_code,
                ((pier_oftpserver_error_params *)params)->description);
        break;
    case PIER_OFTPSERVER_EVENT_DISCONNECTED:
        s->disconnected++;
        s->disconnect_code = ((pier_oftpserver_disconnected_params *)params)->status_code;
        break;
    default:
        break;
    }
    return 0;
}

/* Sends one Exchange Buffer with its Stream Transmission Header (RFC 5024 §8.2). */
static void send_oeb(int fd, const char *oeb, size_t n) {
    unsigned char sth[4] = {0x10, (unsigned char)((n + 4) >> 16), (unsigned char)((n + 4) >> 8),
                            (unsigned char)(n + 4)};
    tu_send_all(fd, sth, 4);
    tu_send_all(fd, oeb, n);
}

/* Reads one Exchange Buffer into buf (without its STH), pumping the server. */
static size_t recv_oeb(pier_oftpserver *h, int fd, char *buf, size_t cap) {
    unsigned char sth[4];
    size_t got = 0;
    long long d = tu_now_ms() + tu_ms(5000);
    while (got < 4) {
        if (tu_now_ms() >= d) TU_FAIL("no STH from the server");
        OF_OK(h, pier_oftpserver_do_doevents(h));
        int k = tu_recv_raw(fd, sth + got, 4 - got, 1);
        if (k > 0) got += (size_t)k;
    }
    CHECK_INT(sth[0], 0x10);
    size_t n = (((size_t)sth[1] << 16) | ((size_t)sth[2] << 8) | sth[3]) - 4;
    CHECK(n < cap);
    got = 0;
    while (got < n) {
        if (tu_now_ms() >= d) TU_FAIL("short Exchange Buffer");
        OF_OK(h, pier_oftpserver_do_doevents(h));
        int k = tu_recv_raw(fd, buf + got, n - got, 1);
        if (k > 0) got += (size_t)k;
    }
    buf[n] = 0;
    return n;
}

int main(void) {
    struct seen s;
    memset(&s, 0, sizeof s);
    tu_tempdir(s.dir, sizeof s.dir, "api_oftp");

    pier_oftpserver *h = pier_oftpserver_open();
    CHECK(h != NULL);

    /* Defaults and misuse. */
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_LOCALPORT, 0), 3305);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0), 60);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_CONNCOUNT, 0), 0);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_USESSL, 0), 0);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0), 0);
    CHECK(pier_oftpserver_get(h, PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, 0, NULL) == NULL);
    CHECK_INT(pier_oftpserver_get_last_error_code(h), PIER_ERR_INDEX);
    CHECK(pier_oftpserver_get(h, 121, 0, NULL) == NULL);
    CHECK_INT(pier_oftpserver_get_last_error_code(h), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_INT(pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0, "NINECHARS", -1), PIER_ERR_INVALID_VALUE);
    CHECK_INT(pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_CONNCOUNT, 0, "1", -1), PIER_ERR_READ_ONLY);
    CHECK_INT(pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, 5, 0), PIER_ERR_WRONG_TYPE);
    CHECK_INT(pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, 5, "/tmp", -1), PIER_ERR_INVALID_CONNECTION);
    CHECK_STR(pier_oftpserver_do_config(h, "ReceivedFileNameFormat"), "%VirtualFileName%");
    CHECK(pier_oftpserver_do_config(h, "NoSuchSetting") == NULL);
    CHECK_INT(pier_oftpserver_get_last_error_code(h), PIER_ERR_UNKNOWN_SETTING);
    CHECK(pier_oftpserver_do_config(h, "ExchangeBufferSize=100") == NULL);
    CHECK_INT(pier_oftpserver_get_last_error_code(h), PIER_ERR_INVALID_VALUE);
    /* Nothing to import yet, no Certificate to validate: 691 and 689, and *valid false. */
    CHECK_INT(pier_oftpserver_do_importtrustedcerts(h), 691);
    CHECK(strstr(pier_oftpserver_get_last_error(h), "TrustedCertsData") != NULL);
    bool valid = true;
    CHECK_INT(pier_oftpserver_do_validatecert(h, &valid), 689);
    CHECK(!valid);
    CHECK_INT(pier_oftpserver_do_validatecert(h, NULL), 689);
    CHECK_INT(pier_oftpserver_do_validaterecipientcert(h, 7, &valid), PIER_ERR_INVALID_CONNECTION);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0), 0);
    CHECK_INT(pier_oftpserver_do_logoff(h, 7), PIER_ERR_INVALID_CONNECTION);
    CHECK_INT(pier_oftpserver_do_sendfile(h, 7, "", "/etc/hostname", ""), PIER_ERR_INVALID_CONNECTION);
    CHECK_INT(pier_oftpserver_do_startlistening(NULL), PIER_ERR_INVALID_HANDLE);
    OF_OK(h, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    OF_OK(h, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_LOCALPORT, 0, 0));
    CHECK_INT(pier_oftpserver_do_startlistening(h), 672);
    OF_OK(h, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, "O0013SERVER", -1));
    CHECK_INT(pier_oftpserver_do_startlistening(h), 673);
    OF_OK(h, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, "O0013SERVER", -1));
    OF_OK(h, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0, "SRVPW", -1));
    for (int ev = 1; ev <= 17; ev++) OF_OK(h, pier_oftpserver_register_callback(h, ev, on_event, &s));
    CHECK_INT(pier_oftpserver_register_callback(h, 18, on_event, &s), PIER_ERR_UNKNOWN_EVENT);
    OF_OK(h, pier_oftpserver_do_startlistening(h));
    int port = (int)pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_LOCALPORT, 0);
    CHECK(port > 0);

    /* The session. */
    int fd = tu_connect(port);
    char buf[1024];
    size_t n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK_INT(n, 19);
    CHECK_MEM(buf, "IODETTE FTP READY \r", 19);

    char ssid[128];
    snprintf(ssid, sizeof ssid, "X5%-25s%-8s%05dBYYN%03dN%-4s%-8s\r", "O0013CLIENT", "CLIPW", 1024, 5, "", "");
    CHECK_INT(strlen(ssid), 61);
    send_oeb(fd, ssid, 61);
    n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK_INT(n, 61);
    CHECK(buf[0] == 'X' && buf[1] == '5');
    CHECK_MEM(buf + 2, "O0013SERVER", 11);
    CHECK_MEM(buf + 27, "SRVPW   ", 8);
    CHECK_MEM(buf + 35, "01024", 5); /* the smaller buffer size */
    CHECK_INT(s.accept_connection, 1);
    CHECK_STR(s.ssid, "O0013CLIENT");
    CHECK_STR(s.password, "CLIPW");
    CHECK_INT(s.client_version, 3);
    OF_PUMP_UNTIL(h, 2000, s.connected == 1);
    CHECK_INT(pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_CONNVERSION, s.cid), 3);
    CHECK_STR((const char *)pier_oftpserver_get(h, PIER_OFTPSERVER_PROP_CONNSSIDCODE, s.cid, NULL), "O0013CLIENT");
    char key[64];
    snprintf(key, sizeof key, "CreditCount[%d]", s.cid);
    CHECK_STR(pier_oftpserver_do_config(h, key), "5");

    /* SFID: an unstructured file of 40 octets (RFC 5024 §5.3.3 layout, 165 octets). */
    char sfid[256];
    snprintf(sfid, sizeof sfid, "H%-26s%-3s%s%s%-8s%-25s%-25sU%05d%013d%013d%017d%02d%02d%d%dN%03d", "INVOICES", "",
             "20261207", "0630000000", "", "O0013SERVER", "O0013CLIENT", 0, 1, 1, 0, 0, 0, 0, 0, 0);
    CHECK_INT(strlen(sfid), 165);
    send_oeb(fd, sfid, 165);
    n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK_INT(n, 18);
    CHECK_MEM(buf, "200000000000000000", 18); /* SFPA, restart 0 */
    CHECK_INT(s.accept_file, 1);
    CHECK_INT(s.start_transfer, 1);

    const char *content = "forty octets of invoice data, exactly...";
    CHECK_INT(strlen(content), 40);
    char data[64];
    data[0] = 'D';
    data[1] = (char)(0x80 | 40); /* end of record, 40 octets, no compression */
    memcpy(data + 2, content, 40);
    send_oeb(fd, data, 42);
    char efid[64];
    snprintf(efid, sizeof efid, "T%017d%017d", 0, 40);
    send_oeb(fd, efid, 35);
    n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK_INT(n, 2);
    CHECK_MEM(buf, "4N", 2); /* EFPA, no change of direction */
    CHECK_INT(s.end_transfer, 1);
    CHECK_INT(s.file_size, 40);
    CHECK_INT(s.transferred, 40);
    FILE *f = fopen(s.local_file, "rb");
    CHECK(f != NULL);
    char stored[64];
    size_t k = fread(stored, 1, sizeof stored, f);
    fclose(f);
    CHECK_INT(k, 40);
    CHECK_MEM(stored, content, 40);

    /* PITrail without a callback is not built at all (docs/OFTP.md): none
     * while it is unregistered, and again once it is registered. */
    OF_PUMP_UNTIL(h, 2000, s.pitrail_in == 4 && s.pitrail_out == 4); /* SSID SFID D EFID; SSRM SSID SFPA EFPA */
    OF_OK(h, pier_oftpserver_register_callback(h, PIER_OFTPSERVER_EVENT_PITRAIL, NULL, NULL));

    /* CD: the server speaks, the EERP first. */
    send_oeb(fd, "R", 1);
    n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK(n >= 110 && buf[0] == 'E');
    CHECK_MEM(buf + 1, "INVOICES", 8);
    send_oeb(fd, "P", 1); /* RTR */
    n = recv_oeb(h, fd, buf, sizeof buf);
    CHECK_INT(n, 1);
    CHECK(buf[0] == 'R'); /* ReadyToSend → Logoff → CD */
    CHECK_INT(s.ready, 1);
    OF_OK(h, pier_oftpserver_register_callback(h, PIER_OFTPSERVER_EVENT_PITRAIL, on_event, &s));
    send_oeb(fd, "F00000\r", 7); /* ESID 00 */
    OF_PUMP_UNTIL(h, 3000, s.disconnected == 1);
    CHECK_INT(s.disconnect_code, 0);
    CHECK_INT(s.errors, 0);
    CHECK_INT(s.pitrail_in, 5); /* + ESID; not CD, RTR */
    CHECK_INT(s.pitrail_out, 4); /* not EERP, CD */
    close(fd);

    OF_OK(h, pier_oftpserver_do_shutdown(h));
    CHECK_INT(pier_oftpserver_close(h), 0);
    CHECK_INT(pier_oftpserver_close(h), PIER_ERR_INVALID_HANDLE);
    remove(s.local_file);
    char partial[300];
    snprintf(partial, sizeof partial, "%s/.oftp-partial", s.dir);
    rmdir(partial);
    rmdir(s.dir);
    printf("api_oftp: ok\n");
    return 0;
}
