/*
 * api_tls.c — TLS through the C API of TCPServer.
 *
 *  1. Certificate properties: a PEM key file, a PFX file with the right and a
 *     wrong password (273 at SSLCertSubject, or at StartListening when the
 *     subject was set first), a key that does not match its certificate (273),
 *     a file that is no certificate store (271), SSLCertSubject reading back
 *     the full subject, a Windows store (type 0: 910).
 *  2. Implicit TLS echo with openssl s_client (run through /bin/sh), with
 *     SSLStatus, SSLConnectionRequest and the negotiated values.
 *  3. SSLConnectionRequest choosing another certificate through its writable
 *     fields (the pointers written there are static: they outlive the callback).
 *  4. SSLClientAuthentication: a client certificate accepted, then rejected by
 *     setting Accept false (Disconnected 280, no Connected).
 *  5. Bad clients, no crypto involved: garbage instead of a ClientHello
 *     (Error and Disconnected 276), a client that disappears mid-handshake (276),
 *     a handshake that stalls past DefaultConnectionTimeout=1 (10060).
 *
 * Certificates are made at run time with the openssl CLI in a temporary
 * directory. Under valgrind (ctest's valgrind_api_tls) the handshakes are slow,
 * so there are only four of them; the clients run natively (valgrind does not
 * follow exec).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "test_util.h"

static char dir[64];
static char path_buf[8][256];

/* A file in the temporary directory (one of a few rotating buffers). */
static const char *in_dir(const char *name) {
    static int next;
    char *p = path_buf[next++ % 8];
    snprintf(p, sizeof path_buf[0], "%s/%s", dir, name);
    return p;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) TU_FAIL("command failed (%d): %s", rc, cmd);
}

/* A CA; server.pem (RSA key + certificate for localhost, self-signed),
 * server.pfx (the same, password s3cret), alt.pem (EC, CN=alternate),
 * mismatch.pem (alt's key with the server's certificate), client.crt/.key
 * signed by the CA (a v3 certificate: webpki refuses v1 ones, and pier then
 * ends the handshake with 280 before SSLClientAuthentication), and
 * notastore.pem. */
static void make_certs(void) {
    tu_tempdir(dir, sizeof dir, "pier-api-tls");
    sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt"
       " -subj '/O=pier/CN=localhost' -days 2 2>/dev/null"
       " && cat server.key server.crt > server.pem"
       " && openssl pkcs12 -export -inkey server.key -in server.crt -out server.pfx -passout pass:s3cret"
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout alt.key"
       " -out alt.crt -subj '/CN=alternate' -days 2 2>/dev/null"
       " && cat alt.key alt.crt > alt.pem && cat alt.key server.crt > mismatch.pem"
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key"
       " -out ca.pem -subj '/CN=pier test CA' -days 2 2>/dev/null"
       " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key"
       " -out client.csr -subj '/O=pier/CN=pier client' 2>/dev/null"
       " && printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth\\n' > client.ext"
       " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
       " -extfile client.ext -out client.crt -days 2 2>/dev/null"
       " && echo 'not a certificate' > notastore.pem",
       dir);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------ clients */

/* Runs a shell command in the background (stdin /dev/null unless it redirects). */
static pid_t spawn_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static pid_t spawn_sh(const char *fmt, ...) {
    static char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    pid_t pid = fork();
    if (pid < 0) TU_FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Pumps events until the child exits; returns its exit status. */
static int pump_until_exit(pier_tcpserver *h, pid_t pid, int ms) {
    long long deadline = tu_now_ms() + tu_ms(ms);
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        if (r < 0) TU_FAIL("waitpid: %s", strerror(errno));
        if (tu_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            TU_FAIL("the client did not finish within %d ms", tu_ms(ms));
        }
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    }
}

/* The client's own time limit, in seconds (longer under valgrind). */
static int client_limit(void) { return tu_ms(30000) / 1000; }

/* ------------------------------------------------------------- events */

struct log {
    int connected, disconnected, errors, sslstatus, connreq, clientauth;
    int last_cid;
    int disconnect_status, error_code;
    char lines[8][128];
    int nlines;
    char cipher_suites[1024];
    char auth_subject[256], auth_issuer[256], auth_status[128];
    bool auth_accept_in;
    unsigned char auth_der0;
    /* what the callbacks do */
    bool alternate_cert;  /* SSLConnectionRequest picks alt.pem */
    bool reject_client;   /* SSLClientAuthentication sets Accept false */
    char negotiated_version[32];
};
static struct log L;

static void reset_log(void) {
    bool alt = L.alternate_cert, rej = L.reject_client;
    memset(&L, 0, sizeof L);
    L.alternate_cert = alt;
    L.reject_client = rej;
}

static int on_connected(void *h, int ev, void *params, void *ud) {
    (void)ev, (void)ud;
    pier_tcpserver_connected_params *p = params;
    L.connected++;
    L.last_cid = p->connection_id;
    CHECK_INT(p->status_code, 0);
    char setting[64];
    snprintf(setting, sizeof setting, "SSLNegotiatedVersion[%d]", p->connection_id);
    const char *v = pier_tcpserver_do_config(h, setting);
    CHECK(v != NULL);
    snprintf(L.negotiated_version, sizeof L.negotiated_version, "%s", v);
    return 0;
}

static int on_datain(void *h, int ev, void *params, void *ud) {
    (void)ev, (void)ud;
    pier_tcpserver_datain_params *p = params;
    if (L.nlines < 8) snprintf(L.lines[L.nlines++], sizeof L.lines[0], "%.*s", p->text_len, (const char *)p->text);
    if (p->text_len == 3 && memcmp(p->text, "bye", 3) == 0) {
        CHECK_OK(h, pier_tcpserver_do_disconnect(h, p->connection_id));
        return 0;
    }
    char reply[160];
    snprintf(reply, sizeof reply, "echo: %.*s", p->text_len, (const char *)p->text);
    CHECK_OK(h, pier_tcpserver_do_sendline(h, p->connection_id, reply));
    return 0;
}

static int on_disconnected(void *h, int ev, void *params, void *ud) {
    (void)h, (void)ev, (void)ud;
    pier_tcpserver_disconnected_params *p = params;
    L.disconnected++;
    L.disconnect_status = p->status_code;
    CHECK(p->description != NULL);
    return 0;
}

static int on_error(void *h, int ev, void *params, void *ud) {
    (void)h, (void)ev, (void)ud;
    pier_tcpserver_error_params *p = params;
    L.errors++;
    L.error_code = p->error_code;
    CHECK(p->description != NULL && p->description[0] != '\0');
    return 0;
}

static int on_sslstatus(void *h, int ev, void *params, void *ud) {
    (void)h, (void)ev, (void)ud;
    pier_tcpserver_sslstatus_params *p = params;
    CHECK(p->connection_id > 0);
    CHECK(p->message != NULL);
    L.sslstatus++;
    return 0;
}

/* Written into the writable fields: static, so valid after the callback. */
static char alt_store[256];
static const char alt_subject[] = "*";

static int on_sslconnectionrequest(void *h, int ev, void *params, void *ud) {
    (void)h, (void)ev, (void)ud;
    pier_tcpserver_sslconnectionrequest_params *p = params;
    L.connreq++;
    CHECK(p->supported_cipher_suites != NULL && p->supported_signature_algs != NULL);
    snprintf(L.cipher_suites, sizeof L.cipher_suites, "%s", p->supported_cipher_suites);
    /* Preset empty: the server's own certificate unless the callback says otherwise. */
    CHECK_INT(p->cert_store_len, 0);
    CHECK_STR(p->cert_subject, "");
    if (L.alternate_cert) {
        p->cert_store_type = 6; /* PEM key file */
        p->cert_store = (const uint8_t *)alt_store;
        p->cert_store_len = -1; /* NUL-terminated */
        p->cert_password = "";
        p->cert_subject = alt_subject;
    }
    return 0;
}

static int on_sslclientauthentication(void *h, int ev, void *params, void *ud) {
    (void)h, (void)ev, (void)ud;
    pier_tcpserver_sslclientauthentication_params *p = params;
    L.clientauth++;
    snprintf(L.auth_subject, sizeof L.auth_subject, "%s", p->cert_subject);
    snprintf(L.auth_issuer, sizeof L.auth_issuer, "%s", p->cert_issuer);
    snprintf(L.auth_status, sizeof L.auth_status, "%s", p->status);
    L.auth_accept_in = p->accept;
    CHECK(p->cert_encoded_len > 0);
    L.auth_der0 = p->cert_encoded[0];
    if (L.reject_client) p->accept = false;
    return 0;
}

/* A server with the TLS callbacks and the PEM certificate, not listening yet. */
static pier_tcpserver *tls_server(void) {
    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTED, on_connected, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, on_datain, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DISCONNECTED, on_disconnected, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_ERROR, on_error, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_SSLSTATUS, on_sslstatus, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST,
                                                 on_sslconnectionrequest, NULL));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION,
                                                 on_sslclientauthentication, NULL));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 6));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("server.pem"), -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, 1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    reset_log();
    return h;
}

/* ------------------------------------------------------ 1. certificates */

static void test_certificate_properties(void) {
    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != NULL);
    const char *subject;

    /* PEM key file: "*" selects the first certificate; the full subject reads back. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 6));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("server.pem"), -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    subject = pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL);
    CHECK_STR(subject, "CN=localhost, O=pier");
    /* A substring of the subject selects too, and reads back in full. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "localhost", -1));
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "CN=localhost, O=pier");
    /* No match: 272, and the subject reads back empty. */
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "CN=nobody", -1), 272);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), 272);
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "");

    /* PFX with the right password, as type 2 and auto-detected (99). */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 2));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("server.pfx"), -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, "s3cret", -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "CN=localhost, O=pier");
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 99));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "CN=localhost, O=pier");

    /* PFX with a wrong password: 273 at SSLCertSubject, with a reason. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 2));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, "wrong", -1));
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), 273);
    CHECK(strlen(pier_tcpserver_get_last_error(h)) > 10);
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "");
    pier_tcpserver_close(h);

    /* ... or at StartListening, when the password changes after the
     * certificate was selected (setting the password alone selects nothing). */
    h = pier_tcpserver_open();
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 2));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("server.pfx"), -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, "s3cret", -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, "wrong", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, 1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_ERR(pier_tcpserver_do_startlistening(h), 273);
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LISTENING, 0), 0);
    /* The right password: listening works. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, "s3cret", -1));
    CHECK_OK(h, pier_tcpserver_do_startlistening(h));
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LISTENING, 0), 1);
    pier_tcpserver_close(h);

    /* A private key that does not belong to the certificate: 273. */
    h = pier_tcpserver_open();
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 6));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("mismatch.pem"), -1));
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), 273);
    CHECK(strstr(pier_tcpserver_get_last_error(h), "match") != NULL);

    /* Not a certificate store: 271; a missing file: 271. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("notastore.pem"), -1));
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), 271);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("missing.pem"), -1));
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), 271);
    pier_tcpserver_close(h);

    /* A Windows certificate store (type 0 "MY", the defaults): 910 at
     * SSLCertSubject on a new handle ... */
    h = pier_tcpserver_open();
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0), 0);
    CHECK_ERR(pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), PIER_ERR_NOT_SUPPORTED);
    CHECK(strstr(pier_tcpserver_get_last_error(h), "cstUser") != NULL);
    /* ... and at StartListening when the store changes to it after a selection. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 6));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, in_dir("server.pem"), -1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 0));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, "MY", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, 1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_ERR(pier_tcpserver_do_startlistening(h), PIER_ERR_NOT_SUPPORTED);
    CHECK(strstr(pier_tcpserver_get_last_error(h), "cstUser") != NULL);
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LISTENING, 0), 0);
    pier_tcpserver_close(h);
}

/* ----------------------------------------------------- 2. echo with s_client */

static void test_echo_with_s_client(void) {
    pier_tcpserver *h = tls_server();
    int port = tu_listen(h);
    const char *out = in_dir("echo.out");
    pid_t pid = spawn_sh("printf 'hello tls\\nbye\\n' | timeout %d openssl s_client -connect 127.0.0.1:%d -tls1_3"
                         " -quiet > %s 2>/dev/null",
                         client_limit(), port, out);
    pump_until_exit(h, pid, 60000);
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    CHECK_STR(read_file(out), "echo: hello tls\r\n");
    CHECK_INT(L.connreq, 1);
    CHECK(strstr(L.cipher_suites, "TLS_AES_128_GCM_SHA256") != NULL);
    CHECK_INT(L.connected, 1);
    CHECK_STR(L.negotiated_version, "TLS1.3");
    CHECK_INT(L.nlines, 2);
    CHECK_STR(L.lines[0], "hello tls");
    CHECK_INT(L.disconnect_status, 0);
    CHECK_INT(L.errors, 0);
    CHECK(L.sslstatus >= 2); /* ClientHello ... handshake complete ... */
    CHECK_INT(L.clientauth, 0);
    /* After Disconnected, the id is gone. */
    CHECK(pier_tcpserver_do_config(h, "SSLNegotiatedVersion[1]") == NULL);
    CHECK_INT(pier_tcpserver_get_last_error_code(h), PIER_ERR_INVALID_CONNECTION);
    pier_tcpserver_close(h);
}

/* ------------------------------------ 3. SSLConnectionRequest: another certificate */

static void test_connection_request_picks_certificate(void) {
    snprintf(alt_store, sizeof alt_store, "%s", in_dir("alt.pem"));
    L.alternate_cert = true;
    pier_tcpserver *h = tls_server();
    int port = tu_listen(h);
    const char *out = in_dir("alt.out");
    pid_t pid = spawn_sh("timeout %d openssl s_client -connect 127.0.0.1:%d </dev/null 2>/dev/null"
                         " | openssl x509 -noout -subject > %s 2>/dev/null",
                         client_limit(), port, out);
    pump_until_exit(h, pid, 60000);
    CHECK_STR(read_file(out), "subject=CN = alternate\n");
    CHECK_INT(L.connreq, 1);
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    /* The server's own certificate is unchanged. */
    CHECK_STR(pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL), "CN=localhost, O=pier");
    L.alternate_cert = false;
    pier_tcpserver_close(h);
}

/* ------------------------------------------ 4. SSLClientAuthentication */

static void test_client_authentication(void) {
    pier_tcpserver *h = tls_server();
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS, 0, 1));
    char *ca = read_file(in_dir("ca.pem"));
    CHECK(ca != NULL);
    static char setting[8192];
    snprintf(setting, sizeof setting, "SSLCACerts=%s", ca);
    CHECK(pier_tcpserver_do_config(h, setting) != NULL);
    int port = tu_listen(h);
    char client_args[600];
    snprintf(client_args, sizeof client_args, "-cert %s -key %s", in_dir("client.crt"), in_dir("client.key"));
    const char *out = in_dir("auth.out");

    /* Accepted: Connected, the echo works. */
    pid_t pid = spawn_sh("printf 'signed\\nbye\\n' | timeout %d openssl s_client -connect 127.0.0.1:%d %s"
                         " -quiet > %s 2>/dev/null",
                         client_limit(), port, client_args, out);
    pump_until_exit(h, pid, 60000);
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    CHECK_STR(read_file(out), "echo: signed\r\n");
    CHECK_INT(L.clientauth, 1);
    CHECK_STR(L.auth_subject, "CN=pier client, O=pier");
    CHECK_STR(L.auth_issuer, "CN=pier test CA");
    CHECK_STR(L.auth_status, "OK");
    CHECK(L.auth_accept_in);
    CHECK_INT(L.auth_der0, 0x30); /* DER */
    CHECK_INT(L.connected, 1);
    CHECK_INT(L.disconnect_status, 0);

    /* Rejected by the application: no Connected, Error and Disconnected 280. */
    reset_log();
    L.reject_client = true;
    pid = spawn_sh("printf 'refused\\n' | timeout %d openssl s_client -connect 127.0.0.1:%d %s"
                   " -quiet > %s 2>/dev/null",
                   client_limit(), port, client_args, out);
    pump_until_exit(h, pid, 60000);
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    CHECK_INT(L.clientauth, 1);
    CHECK(L.auth_accept_in); /* verification succeeded: the application decided */
    CHECK_INT(L.connected, 0);
    CHECK_INT(L.nlines, 0);
    CHECK_INT(L.disconnect_status, 280);
    CHECK_INT(L.error_code, 280);
    CHECK_STR(read_file(out), "");
    L.reject_client = false;
    pier_tcpserver_close(h);
}

/* --------------------------------------------------------- 5. bad clients */

static void test_bad_clients(void) {
    pier_tcpserver *h = tls_server();
    int port = tu_listen(h);

    /* Garbage instead of a ClientHello. */
    int fd = tu_connect(port);
    tu_send_str(fd, "GET / HTTP/1.0\r\n\r\n");
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    CHECK_INT(L.disconnect_status, 276);
    CHECK_INT(L.errors, 1);
    CHECK_INT(L.error_code, 276);
    CHECK_INT(L.connected, 0);
    CHECK_INT(L.connreq, 0);
    CHECK(tu_wait_eof(fd, 10000)); /* the server closed (after its alert) */
    close(fd);

    /* A client that disappears mid-handshake: half a ClientHello record, then gone. */
    reset_log();
    fd = tu_connect(port);
    unsigned char partial[105] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    tu_send_all(fd, partial, sizeof partial);
    pump(h, 50);
    close(fd);
    PUMP_UNTIL(h, 10000, L.disconnected == 1);
    CHECK_INT(L.disconnect_status, 276);
    CHECK_INT(L.error_code, 276);
    CHECK_INT(L.connected, 0);
    pier_tcpserver_close(h);

    /* A handshake that stalls: DefaultConnectionTimeout=1 ends it with 10060. */
    h = tls_server();
    CHECK(pier_tcpserver_do_config(h, "DefaultConnectionTimeout=1") != NULL);
    port = tu_listen(h);
    fd = tu_connect(port);
    PUMP_UNTIL(h, 20000, L.disconnected == 1);
    CHECK_INT(L.disconnect_status, PIER_ERR_TIMED_OUT);
    CHECK_INT(L.error_code, PIER_ERR_TIMED_OUT);
    CHECK_INT(L.connected, 0);
    CHECK(tu_wait_eof(fd, 10000));
    close(fd);
    pier_tcpserver_close(h);
}

static void remove_dir(void) {
    if (dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    make_certs();
    atexit(remove_dir); /* on failure too (TU_FAIL exits) */
    test_certificate_properties();
    test_bad_clients();
    test_echo_with_s_client();
    test_connection_request_picks_certificate();
    test_client_authentication();
    printf("api_tls: ok\n");
    return 0;
}
