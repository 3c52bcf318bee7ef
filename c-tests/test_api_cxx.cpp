/*
 * test_api_cxx.cpp — pier.h from C++: the header must compile as C++
 * (extern "C", no C-only constructs), link, and work. Registered as the
 * test api_cxx (labels api, cxx).
 */
#include "test_util.h"

#include <string>
#include <vector>

namespace {

// A C++ object behind the callbacks' user_data, as a C++ wrapper would do it.
struct Recorder {
    std::vector<int> connected;
    std::string lines;
    int disconnected = 0;
};

extern "C" int on_event(void *handle, int event_id, void *params, void *user_data) {
    Recorder *r = static_cast<Recorder *>(user_data);
    pier_tcpserver *h = static_cast<pier_tcpserver *>(handle);
    switch (event_id) {
    case PIER_TCPSERVER_EVENT_CONNECTED:
        r->connected.push_back(static_cast<pier_tcpserver_connected_params *>(params)->connection_id);
        break;
    case PIER_TCPSERVER_EVENT_DATAIN: {
        const pier_tcpserver_datain_params *p = static_cast<pier_tcpserver_datain_params *>(params);
        std::string line(reinterpret_cast<const char *>(p->text), static_cast<size_t>(p->text_len));
        r->lines += line + "|";
        std::string reply = "C++ got " + line;
        CHECK_OK(h, pier_tcpserver_do_sendline(h, p->connection_id, reply.c_str()));
        break;
    }
    case PIER_TCPSERVER_EVENT_DISCONNECTED:
        r->disconnected++;
        break;
    default:
        break;
    }
    return 0;
}

}  // namespace

int main() {
    CHECK(std::string(pier_version()) == PIER_VERSION);
    CHECK(PIER_VERSION_MAJOR >= 0 && PIER_VERSION_MINOR >= 0 && PIER_VERSION_PATCH >= 0);

    pier_tcpserver *h = pier_tcpserver_open();
    CHECK(h != nullptr);
    Recorder rec;
    pier_callback cb = on_event;
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTED, cb, &rec));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, cb, &rec));
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DISCONNECTED, cb, &rec));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1));
    CHECK_INT(pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0), 1);

    int port = tu_listen(h);
    int fd = tu_connect(port);
    PUMP_UNTIL(h, 5000, rec.connected.size() == 1);
    tu_send_str(fd, "one\ntwo\r\n");
    PUMP_UNTIL(h, 5000, rec.lines == "one|two|");

    char buf[128];
    size_t got = tu_recv_exact(fd, buf, strlen("C++ got one\r\nC++ got two\r\n"), 5000);
    CHECK(std::string(buf, got) == "C++ got one\r\nC++ got two\r\n");

    close(fd);
    PUMP_UNTIL(h, 5000, rec.disconnected == 1);
    CHECK_INT(pier_tcpserver_close(h), 0);
    printf("api_cxx: ok\n");
    return 0;
}
