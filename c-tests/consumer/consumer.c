/* consumer.c — the smallest program built against an installed pier
 * (by c-tests/consumer/run.sh, through find_package(pier) and pkg-config). */
#include <pier.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    if (strcmp(pier_version(), PIER_VERSION) != 0) {
        fprintf(stderr, "library %s, header %s\n", pier_version(), PIER_VERSION);
        return 1;
    }
    pier_tcpserver *h = pier_tcpserver_open();
    if (!h) return 1;
    /* Listen on a free loopback port and read it back. */
    if (pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1) != 0 ||
        pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0) != 0 ||
        pier_tcpserver_do_startlistening(h) != 0) {
        fprintf(stderr, "listen: %s\n", pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    long long port = (long long)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    int rc = pier_tcpserver_do_doevents(h);
    pier_tcpserver_close(h);
    printf("pier %s listened on port %lld\n", pier_version(), port);
    return rc == 0 && port > 0 ? 0 : 1;
}
