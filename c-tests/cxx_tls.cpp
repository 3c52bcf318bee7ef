/*
 * cxx_tls.cpp — pier::TCPServer over TLS through include/pier.hpp, driven by
 * openssl s_client:
 *
 *  1. Certificate errors as C++ sees them: a file that is no certificate
 *     store makes set_ssl_cert_subject throw pier::Error 271, and its
 *     error_code overload set 271.
 *  2. Implicit TLS echo: SSLConnectionRequest (the offered cipher suites, as a
 *     string_view into pier's buffer), SSLStatus, Connected, DataIn answered
 *     with send_line, Disconnected; s_client's output is the echo.
 *  3. SSLConnectionRequest choosing another certificate through its writable
 *     fields (set_cert_store_type / set_cert_store / set_cert_subject: the
 *     wrapper keeps copies until pier has read them), checked by the subject
 *     s_client sees.
 *
 * Certificates are made at run time with the openssl CLI in a temporary
 * directory. Registered as cxx_tls (labels api, cxx), also under valgrind
 * and ASan+UBSan.
 */
#include "cxx_test.hpp"

#include <string>

namespace {

std::string dir;

std::string in_dir(const std::string &name) { return dir + "/" + name; }

void make_certs() {
    dir = cxx_test::temp_dir("pier-cxx-tls");
    cxx_test::sh("cd " + dir +
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt"
                 " -subj '/O=pier/CN=localhost' -days 2 2>/dev/null"
                 " && cat server.key server.crt > server.pem"
                 " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout alt.key"
                 " -out alt.crt -subj '/CN=alternate' -days 2 2>/dev/null"
                 " && cat alt.key alt.crt > alt.pem"
                 " && echo 'not a certificate' > notastore.pem");
}

struct Log {
    int connected = 0, disconnected = 0, requests = 0, statuses = 0, errors = 0;
    std::string lines, suites;
    bool alternate = false;
};

void tls_server(pier::TCPServer &s, Log &log) {
    s.on_ssl_connection_request([&](pier::TCPServer::SSLConnectionRequestEvent &e) {
        log.requests++;
        log.suites = std::string(e.supported_cipher_suites());
        CHECK(e.cert_store().empty());  // preset: the server's own certificate
        CHECK(e.cert_subject().empty());
        if (log.alternate) {
            std::string store = in_dir("alt.pem");
            e.set_cert_store_type(6);  // PEM key file
            e.set_cert_store(store);   // copied: `store` is gone when pier reads it
            e.set_cert_password("");
            e.set_cert_subject(std::string("*"));
            CHECK(e.cert_store() == store);
        }
    });
    s.on_ssl_status([&](pier::TCPServer::SSLStatusEvent &e) {
        CHECK(!e.message().empty());
        log.statuses++;
    });
    s.on_connected([&](pier::TCPServer::ConnectedEvent &) { log.connected++; });
    s.on_data_in([&](pier::TCPServer::DataInEvent &e) {
        log.lines += e.text().string() + "|";
        if (e.text() == "bye")
            s.disconnect(e.connection_id());
        else
            s.send_line(e.connection_id(), "echo: " + e.text().string());
    });
    s.on_disconnected([&](pier::TCPServer::DisconnectedEvent &) { log.disconnected++; });
    s.on_error([&](pier::TCPServer::ErrorEvent &) { log.errors++; });
    s.set_ssl_cert_store_type(6);
    s.set_ssl_cert_store(in_dir("server.pem"));
    s.set_ssl_cert_subject("*");
    s.set_ssl_start_mode(1);  // implicit TLS
    s.set_default_eol("\n");
    s.set_local_host("127.0.0.1");
    s.set_local_port(0);
    s.start_listening();
}

void test_certificate_errors() {
    pier::TCPServer s;
    s.set_ssl_cert_store_type(6);
    s.set_ssl_cert_store(in_dir("notastore.pem"));
    EXPECT_PIER_ERROR(s.set_ssl_cert_subject("*"), 271);
    std::error_code ec;
    s.set_ssl_cert_subject("*", ec);
    EXPECT_EC(ec, 271);
    s.set_ssl_cert_store(in_dir("server.pem"), ec);
    EXPECT_EC(ec, 0);
    s.set_ssl_cert_subject("*", ec);
    EXPECT_EC(ec, 0);
    CHECK(s.ssl_cert_subject() == "CN=localhost, O=pier");
    EXPECT_PIER_ERROR(s.set_ssl_start_mode(9), pier::errc::invalid_value);
    printf("cxx_tls: certificate errors ok\n");
}

void test_echo() {
    pier::TCPServer s;
    Log log;
    tls_server(s, log);
    int port = static_cast<int>(s.local_port());
    std::string out = in_dir("echo.out");
    pid_t pid = cxx_test::spawn_sh("printf 'hello tls\\nbye\\n' | timeout " + std::to_string(cxx_test::client_limit()) +
                                   " openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                                   " -tls1_3 -quiet > " + out + " 2>/dev/null");
    cxx_test::pump_until_exit(s, pid, 60000);
    PUMP(s, 10000, log.disconnected == 1);
    std::string got = cxx_test::read_file(out);
    if (got != "echo: hello tls\r\n") TU_FAIL("s_client got \"%s\"", got.c_str());
    CHECK_INT(log.requests, 1);
    CHECK(log.suites.find("TLS_AES_128_GCM_SHA256") != std::string::npos);
    CHECK(log.statuses >= 2);
    CHECK_INT(log.connected, 1);
    CHECK(log.lines == "hello tls|bye|");
    CHECK_INT(log.errors, 0);
    printf("cxx_tls: echo ok\n");
}

void test_alternate_certificate() {
    pier::TCPServer s;
    Log log;
    log.alternate = true;
    tls_server(s, log);
    int port = static_cast<int>(s.local_port());
    std::string out = in_dir("subject.out");
    pid_t pid = cxx_test::spawn_sh("timeout " + std::to_string(cxx_test::client_limit()) +
                                   " openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                                   " </dev/null 2>/dev/null | openssl x509 -noout -subject > " + out +
                                   " 2>/dev/null");
    cxx_test::pump_until_exit(s, pid, 60000);
    std::string got = cxx_test::read_file(out);
    if (got != "subject=CN = alternate\n") TU_FAIL("s_client saw \"%s\"", got.c_str());
    CHECK_INT(log.requests, 1);
    PUMP(s, 10000, log.disconnected == 1);
    CHECK(s.ssl_cert_subject() == "CN=localhost, O=pier");  // the server's own is unchanged
    printf("cxx_tls: alternate certificate ok\n");
}

}  // namespace

int main() {
    signal(SIGPIPE, SIG_IGN);
    make_certs();
    test_certificate_errors();
    test_echo();
    test_alternate_certificate();
    cxx_test::sh("rm -rf " + dir);
    printf("cxx_tls: ok\n");
    return 0;
}
