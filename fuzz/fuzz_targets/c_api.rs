//! The C API as a careless caller drives it: the input decodes into a
//! sequence of calls on real handles (open, set/get/set_int/get_int of any
//! property id with any value and index, do_config, a callback that
//! re-enters, start/stop listening on 127.0.0.1:0, do_doevents, close, and
//! calls on closed, NULL and made-up handles). Only documented return codes
//! may come back (docs/API.md §4, §8), and nothing may crash.
#![no_main]
use std::ffi::{c_int, c_void, CString};

use libfuzzer_sys::fuzz_target;
use pier::ffi::tcpserver::*;
use pier::ffi::tftpserver::*;
use pier::tcp::props::*;

fn documented(rc: c_int) -> bool {
    matches!(rc, 0 | 104 | 106 | 107 | 108 | 112 | 113 | 117 | 126 | 270..=284 | 900..=914 | 10000..=11004)
}

unsafe extern "C" fn reenter(h: *mut c_void, event: c_int, _p: *mut c_void, _ud: *mut c_void) -> c_int {
    let h = h as *mut pier_tcpserver;
    let _ = pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, std::ptr::null_mut());
    let _ = pier_tcpserver_do_config(h, c"SelectWaitMillis".as_ptr());
    assert_eq!(pier_tcpserver_do_doevents(h), 909, "DoEvents inside a callback");
    if event == PIER_TCPSERVER_EVENT_CONNECTED {
        let _ = pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_ACCEPTDATA, 1, 0);
    }
    0
}

fuzz_target!(|data: &[u8]| {
    let mut tcp: Vec<*mut pier_tcpserver> = Vec::new();
    let mut tftp: Vec<*mut pier_tftpserver> = Vec::new();
    let mut it = data.chunks(4);
    while let Some(op) = it.next() {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| op.get(i).copied().unwrap_or(0));
        let pick_tcp = |v: &Vec<*mut pier_tcpserver>| -> *mut pier_tcpserver {
            match b % 8 {
                0 => std::ptr::null_mut(),
                1 => 0x7777_0000usize as *mut pier_tcpserver, // never a handle
                _ if v.is_empty() => std::ptr::null_mut(),
                _ => v[b as usize % v.len()],
            }
        };
        let prop = (c % 40) as c_int;
        let index = (d as i8) as c_int;
        let rc: c_int = match a % 14 {
            0 if tcp.len() < 4 => {
                let h = pier_tcpserver_open();
                assert!(!h.is_null());
                tcp.push(h);
                0
            }
            1 => {
                let h = pick_tcp(&tcp);
                let v = CString::new(format!("{}", (c as i32 - 64) * 97)).unwrap();
                pier_tcpserver_set(h, prop, index, v.as_ptr() as *const c_void, -1)
            }
            2 => {
                let h = pick_tcp(&tcp);
                let mut len = 0;
                let p = pier_tcpserver_get(h, prop, index, &mut len);
                if p.is_null() {
                    pier_tcpserver_get_last_error_code(h)
                } else {
                    0
                }
            }
            3 => {
                let h = pick_tcp(&tcp);
                pier_tcpserver_set_int(h, prop, index, (d as i64 - 128) * 1000)
            }
            4 => {
                let h = pick_tcp(&tcp);
                let _ = pier_tcpserver_get_int(h, prop, index);
                0
            }
            5 => {
                let h = pick_tcp(&tcp);
                let names = [
                    "MaxConnections",
                    "SelectWaitMillis",
                    "TcpNoDelay",
                    "AllowedClients",
                    "Stats",
                    "Bogus",
                    "UseIPv6",
                    "SSLEnabledProtocols",
                    "KeepAliveTime",
                    "SSLNegotiatedCipher[1]",
                ];
                let s = if d % 2 == 0 {
                    format!("{}={}", names[c as usize % names.len()], (d as i32) - 10)
                } else {
                    names[c as usize % names.len()].to_string()
                };
                let s = CString::new(s).unwrap();
                if pier_tcpserver_do_config(h, s.as_ptr()).is_null() {
                    pier_tcpserver_get_last_error_code(h)
                } else {
                    0
                }
            }
            6 => {
                let h = pick_tcp(&tcp);
                pier_tcpserver_register_callback(
                    h,
                    (c % 12) as c_int,
                    if d % 3 == 0 { None } else { Some(reenter) },
                    std::ptr::null_mut(),
                )
            }
            7 => {
                let h = pick_tcp(&tcp);
                let _ =
                    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, c"127.0.0.1".as_ptr() as *const c_void, -1);
                let _ = pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0);
                pier_tcpserver_do_startlistening(h)
            }
            8 => pier_tcpserver_do_stoplistening(pick_tcp(&tcp)),
            9 => {
                let h = pick_tcp(&tcp);
                let _ = pier_tcpserver_do_config(h, c"SelectWaitMillis=0".as_ptr());
                pier_tcpserver_do_doevents(h)
            }
            10 => {
                let h = pick_tcp(&tcp);
                let rc = pier_tcpserver_close(h);
                // A closed handle stays in the list: later calls must get 901.
                rc
            }
            11 => pier_tcpserver_do_send(pick_tcp(&tcp), index, c"hello".as_ptr() as *const c_void, 5),
            12 if tftp.len() < 2 => {
                let h = pier_tftpserver_open();
                assert!(!h.is_null());
                tftp.push(h);
                0
            }
            13 if !tftp.is_empty() => {
                let h = tftp[b as usize % tftp.len()];
                let v = CString::new(format!("{}", c)).unwrap();
                let rc = pier_tftpserver_set(h, prop, index, v.as_ptr() as *const c_void, -1);
                let _ = pier_tftpserver_get(h, prop, index, std::ptr::null_mut());
                rc
            }
            _ => 0,
        };
        assert!(documented(rc), "undocumented return code {rc} (op {a} prop {prop} index {index})");
    }
    for h in tcp {
        let _ = pier_tcpserver_close(h);
    }
    for h in tftp {
        let _ = pier_tftpserver_close(h);
    }
});
