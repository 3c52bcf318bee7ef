/*
 * cxx_tftp.cpp — pier::TFTPServer through include/pier.hpp, driven by the
 * tftp-hpa client (`tftp`):
 *
 *  1. Properties and errors: LocalPort out of range throws pier::Error 906
 *     (and sets it through the error_code overload), a text property set as
 *     an integer by id 905, a connection that does not exist 126.
 *  2. A download from LocalDir (binary, several blocks) and an upload into
 *     it, byte-exact; ConnectionRequest (filename, operation), Connected with
 *     the per-connection properties, StartTransfer, Transfer (bytes as a
 *     ByteView), EndTransfer (direction), Disconnected (status 0).
 *  3. A download served from the events: LocalDir "" and ConnFileData set in
 *     Connected; a request refused through ConnectionRequest's writable
 *     accept (no transfer, the client fails).
 *
 * Registered as cxx_tftp (labels api, cxx), also under valgrind and ASan+UBSan.
 */
#include "cxx_test.hpp"

#include <string>
#include <vector>

namespace {

std::string dir;

struct Seen {
    int requests = 0, connected = 0, started = 0, ended = 0, disconnected = 0, refused = 0;
    int last_operation = -1, last_direction = -1, last_status = -1;
    std::string filename;
    std::size_t transfer_bytes = 0;
};

void watch(pier::TFTPServer &s, Seen &seen) {
    s.on_connection_request([&](pier::TFTPServer::ConnectionRequestEvent &e) {
        seen.requests++;
        seen.filename = std::string(e.filename());
        seen.last_operation = e.operation();
        CHECK(e.remote_host() == "127.0.0.1");
        CHECK(e.transfer_mode() == "octet");
        if (e.filename() == "secret.bin") {
            e.set_accept(false);
            seen.refused++;
        }
    });
    s.on_connected([&](pier::TFTPServer::ConnectedEvent &e) {
        seen.connected++;
        int cid = e.connection_id();
        CHECK(s.conn_filename(cid) == seen.filename);
        CHECK(s.conn_remote_host(cid) == "127.0.0.1");
        CHECK(s.conn_remote_port(cid) > 0);
        std::vector<int> ids = s.connection_ids();
        CHECK_INT(ids.size(), 1);
        CHECK_INT(ids[0], cid);
        EXPECT_PIER_ERROR(s.do_events(), pier::errc::reentrant);
        if (seen.filename == "virtual.txt") s.set_conn_file_data(cid, "served from the event\n");
    });
    s.on_start_transfer([&](pier::TFTPServer::StartTransferEvent &) { seen.started++; });
    s.on_transfer([&](pier::TFTPServer::TransferEvent &e) { seen.transfer_bytes += e.text().size(); });
    s.on_end_transfer([&](pier::TFTPServer::EndTransferEvent &e) {
        seen.ended++;
        seen.last_direction = e.direction();
    });
    s.on_disconnected([&](pier::TFTPServer::DisconnectedEvent &e) {
        seen.disconnected++;
        seen.last_status = e.status_code();
    });
}

int listen_local(pier::TFTPServer &s) {
    s.set_local_host("127.0.0.1");
    s.set_local_port(0);
    s.start_listening();
    int port = static_cast<int>(s.local_port());
    CHECK(port > 0 && port < 65536);
    return port;
}

/* Runs `tftp 127.0.0.1 PORT -m octet -c COMMAND` while pumping; returns its exit status. */
int tftp(pier::TFTPServer &s, int port, const std::string &command) {
    pid_t pid = cxx_test::spawn_sh("cd " + dir + " && timeout " + std::to_string(cxx_test::client_limit()) +
                                   " tftp 127.0.0.1 " + std::to_string(port) + " -m octet -c " + command +
                                   " > tftp.out 2>&1");
    return cxx_test::pump_until_exit(s, pid, 60000);
}

void test_properties() {
    pier::TFTPServer s;
    CHECK_INT(s.local_port(), 69);
    EXPECT_PIER_ERROR(s.set_local_port(70000), pier::errc::invalid_value);
    std::error_code ec;
    s.set_local_port(-1, ec);
    EXPECT_EC(ec, PIER_ERR_INVALID_VALUE);
    CHECK_INT(s.local_port(), 69);
    EXPECT_PIER_ERROR(s.set_int(pier::TFTPServer::Prop::LocalDir, 0, 1), pier::errc::wrong_type);
    EXPECT_PIER_ERROR(s.set_conn_file_data(1, "x"), pier::errc::invalid_connection);
    s.set_conn_file_data(1, "x", ec);
    EXPECT_EC(ec, 126);
    CHECK_INT(s.conn_count(), 0);
    CHECK(s.connection_ids().empty());
    CHECK_INT(pier::TFTPServer::operation_read, PIER_TFTPSERVER_OPERATION_READ);
    printf("cxx_tftp: properties ok\n");
}

void test_local_dir() {
    pier::TFTPServer s;
    Seen seen;
    watch(s, seen);
    std::string served = dir + "/served";
    cxx_test::sh("mkdir -p " + served);
    s.set_local_dir(served);
    CHECK(s.local_dir() == served);
    int port = listen_local(s);

    // Download: 3 full blocks and a partial one, every byte value.
    const std::string data = cxx_test::binary_data(512 * 3 + 100, 3);
    cxx_test::write_file(served + "/hello.bin", data);
    int rc = tftp(s, port, "get hello.bin got.bin");
    if (rc != 0) TU_FAIL("tftp get exited %d: %s", rc, cxx_test::read_file(dir + "/tftp.out").c_str());
    PUMP(s, 10000, seen.disconnected == 1);
    CHECK(cxx_test::read_file(dir + "/got.bin") == data);
    CHECK(seen.filename == "hello.bin");
    CHECK_INT(seen.last_operation, pier::TFTPServer::operation_read);
    CHECK_INT(seen.connected, 1);
    CHECK_INT(seen.started, 1);
    CHECK_INT(seen.ended, 1);
    CHECK_INT(seen.last_direction, pier::TFTPServer::direction_server);
    CHECK_INT(seen.last_status, 0);
    CHECK_INT(seen.transfer_bytes, data.size());

    // Upload into LocalDir.
    const std::string up = cxx_test::binary_data(2000, 9);
    cxx_test::write_file(dir + "/up.bin", up);
    seen.transfer_bytes = 0;
    rc = tftp(s, port, "put up.bin stored.bin");
    if (rc != 0) TU_FAIL("tftp put exited %d: %s", rc, cxx_test::read_file(dir + "/tftp.out").c_str());
    PUMP(s, 10000, seen.disconnected == 2);
    CHECK_INT(seen.last_operation, pier::TFTPServer::operation_write);
    CHECK_INT(seen.last_direction, pier::TFTPServer::direction_client);
    CHECK_INT(seen.last_status, 0);
    CHECK(cxx_test::read_file(served + "/stored.bin") == up);
    CHECK_INT(seen.transfer_bytes, up.size());
    printf("cxx_tftp: LocalDir download and upload ok\n");
}

void test_from_events() {
    pier::TFTPServer s;
    Seen seen;
    watch(s, seen);
    s.set_local_dir("");
    int port = listen_local(s);
    int rc = tftp(s, port, "get virtual.txt virtual.txt");
    if (rc != 0) TU_FAIL("tftp get exited %d: %s", rc, cxx_test::read_file(dir + "/tftp.out").c_str());
    PUMP(s, 10000, seen.disconnected == 1);
    CHECK(cxx_test::read_file(dir + "/virtual.txt") == "served from the event\n");
    CHECK_INT(seen.ended, 1);

    // Refused in ConnectionRequest: no connection, no transfer.
    tftp(s, port, "get secret.bin secret.bin");
    CHECK_INT(seen.refused, 1);
    CHECK_INT(seen.requests, 2);
    long long until = tu_now_ms() + 200;
    while (tu_now_ms() < until) s.do_events();
    CHECK_INT(seen.connected, 1);
    CHECK_INT(seen.ended, 1);
    std::string out = cxx_test::read_file(dir + "/tftp.out");
    if (out.find("Access violation") == std::string::npos && out.find("rror") == std::string::npos)
        TU_FAIL("tftp did not report the refusal: %s", out.c_str());
    printf("cxx_tftp: served from events, refused ok\n");
}

}  // namespace

int main() {
    dir = cxx_test::temp_dir("pier-cxx-tftp");
    test_properties();
    test_local_dir();
    test_from_events();
    cxx_test::sh("rm -rf " + dir);
    printf("cxx_tftp: ok\n");
    return 0;
}
