//! Restart of received files across sessions and process restarts (RFC 5024
//! §5.3.3 SFIDREST, §5.3.4 SFPAACNT): beside each partial file a journal
//! says how much of it is durable — the Virtual File's identity and the
//! counts at the last record boundary that was synced to disk. A resent
//! file asking for a restart gets `min(SFIDREST, durable)` (records for F/V
//! files, 1 KiB blocks for U/T), the partial is cut back to exactly that,
//! and reception goes on from there. Decisions: docs/OFTP.md "Restart".

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::oftp::command::{FileFormat, Sfid};
use crate::oftp::names::format_stamp;

/// Bytes received between two journal updates (a flush, an fdatasync of the
/// partial and an atomic rewrite of the journal): what a crash can lose.
pub const CHECKPOINT_BYTES: u64 = 1 << 20;

/// A point of a partial file: records (F/V), Virtual File octets, and file
/// octets (F/V records are stored with a CR-LF each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    pub records: u64,
    pub units: u64,
    pub bytes: u64,
}

/// The identity of a Virtual File (RFC 5024 §1.5.2: name, date and time,
/// originator, destination) and its format, as the journal records it.
pub fn identity(s: &Sfid) -> String {
    let fmt = match s.format {
        FileFormat::Fixed => 'F',
        FileFormat::Variable => 'V',
        FileFormat::Unstructured => 'U',
        FileFormat::Text => 'T',
    };
    format!(
        "dsn={}\nstamp={}\norigin={}\ndestination={}\nformat={fmt}\nlrecl={}\n",
        s.dataset_name,
        format_stamp(&s.stamp, "yyyyMMddHHmmssffff"),
        s.originator,
        s.destination,
        s.max_record_size
    )
}

/// The journal's text.
pub fn encode(identity: &str, d: &Durable) -> String {
    format!("{identity}records={}\nunits={}\nbytes={}\n", d.records, d.units, d.bytes)
}

/// What a journal says, if it is about `identity` and well formed.
pub fn decode(text: &str, identity: &str) -> Option<Durable> {
    let rest = text.strip_prefix(identity)?;
    let mut d = Durable::default();
    let mut seen = 0;
    for line in rest.lines() {
        let (k, v) = line.split_once('=')?;
        let v: u64 = v.parse().ok()?;
        match k {
            "records" => d.records = v,
            "units" => d.units = v,
            "bytes" => d.bytes = v,
            _ => return None,
        }
        seen += 1;
    }
    (seen == 3 && d.bytes >= d.units).then_some(d)
}

/// What to restart from: the SFPA count and the point of the partial to
/// keep, from the request, the journal and (for F/V files asking for less
/// than is durable) the partial's own lines.
pub fn restart_point(
    format: FileFormat,
    requested: u64,
    durable: Durable,
    partial: &mut File,
) -> io::Result<(u64, Durable)> {
    if requested == 0 {
        return Ok((0, Durable::default()));
    }
    if !format.has_records() {
        // U/T: 1 KiB blocks of the file's octets.
        let blocks = requested.min(durable.bytes / 1024);
        let keep = blocks * 1024;
        return Ok((blocks, Durable { records: 0, units: keep, bytes: keep }));
    }
    if requested >= durable.records {
        return Ok((durable.records, durable));
    }
    // Fewer records than are durable: find where record `requested` ends.
    let mut d = Durable::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut after_cr = false;
    let mut offset = 0u64;
    while d.records < requested && offset < durable.bytes {
        let n = partial.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            offset += 1;
            if after_cr && b == b'\n' {
                d.records += 1;
                d.bytes = offset;
                d.units = offset - 2 * d.records;
                if d.records == requested {
                    break;
                }
            }
            after_cr = b == b'\r';
        }
    }
    Ok((d.records, d))
}

/// The journal of one partial file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    identity: String,
}

impl Journal {
    pub fn new(partial: &Path, sfid: &Sfid) -> Journal {
        let mut p = partial.as_os_str().to_owned();
        p.push(".journal");
        Journal { path: PathBuf::from(p), identity: identity(sfid) }
    }

    /// What the journal says is durable (nothing when it is missing, about
    /// another file, or damaged).
    pub fn read(&self) -> Option<Durable> {
        decode(&fs::read_to_string(&self.path).ok()?, &self.identity)
    }

    /// Records `d` durably: written to a temporary, synced, renamed over the
    /// journal (never half a journal).
    pub fn write(&self, d: &Durable) -> io::Result<()> {
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut f = File::create(&tmp)?;
        f.write_all(encode(&self.identity, d).as_bytes())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &self.path)
    }

    pub fn remove(&self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// The journal of a file SendFile sends (docs/OFTP.md "Restart"): the
/// stamp it was announced with — the receiver knows its partial by it — and
/// how far it went out, in records (F/V) or KiB (U/T), so a SendFile of the
/// same unchanged file to the same partner asks to restart there.
#[derive(Debug)]
pub struct OutJournal {
    path: PathBuf,
}

/// What an outgoing journal holds: the stamp text and the position.
pub fn encode_out(stamp: &str, position: u64) -> String {
    format!("stamp={stamp}\nposition={position}\n")
}

pub fn decode_out(text: &str) -> Option<(String, u64)> {
    let mut lines = text.lines();
    let stamp = lines.next()?.strip_prefix("stamp=")?.to_string();
    let position = lines.next()?.strip_prefix("position=")?.parse().ok()?;
    (stamp.len() == 18 && stamp.bytes().all(|b| b.is_ascii_digit())).then_some((stamp, position))
}

impl OutJournal {
    /// The journal for sending `file` (its path, size and modification
    /// time: a changed file starts afresh) to `destination`, in `dir`.
    pub fn new(dir: &Path, file: &Path, meta: &fs::Metadata, destination: &str) -> OutJournal {
        use std::os::unix::fs::MetadataExt;
        let key = format!("{}\0{}\0{}.{}\0{destination}", file.display(), meta.len(), meta.mtime(), meta.mtime_nsec());
        OutJournal { path: dir.join(format!("outgoing-{:016x}.journal", super::receive::fnv1a(key.as_bytes()))) }
    }

    /// Where the journal is (the spool of a secured file sits beside it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn read(&self) -> Option<(String, u64)> {
        decode_out(&fs::read_to_string(&self.path).ok()?)
    }

    pub fn write(&self, stamp: &str, position: u64) -> io::Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut f = File::create(&tmp)?;
        f.write_all(encode_out(stamp, position).as_bytes())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &self.path)
    }

    pub fn remove(&self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oftp::command::SecurityLevel;
    use crate::oftp::stamp::FileStamp;

    fn sfid(format: FileFormat) -> Sfid {
        Sfid {
            dataset_name: "PAYROLL".into(),
            stamp: FileStamp { year: 2026, month: 12, day: 7, hour: 6, minute: 0, second: 0, counter: 3 },
            user_data: String::new(),
            destination: "O0013SERVER".into(),
            originator: "O0013CLIENT".into(),
            format,
            max_record_size: 80,
            file_size: 1,
            original_file_size: 1,
            restart_position: 0,
            security_level: SecurityLevel::None,
            cipher_suite: 0,
            compressed: false,
            enveloped: false,
            signed_eerp: false,
            description: String::new(),
        }
    }

    #[test]
    fn a_journal_is_read_back_only_for_its_own_file() {
        let id = identity(&sfid(FileFormat::Variable));
        let d = Durable { records: 7, units: 700, bytes: 714 };
        assert_eq!(decode(&encode(&id, &d), &id), Some(d));
        let other = identity(&Sfid { originator: "O0013OTHER".into(), ..sfid(FileFormat::Variable) });
        assert_eq!(decode(&encode(&id, &d), &other), None, "another originator");
        let other = identity(&Sfid { format: FileFormat::Fixed, ..sfid(FileFormat::Variable) });
        assert_eq!(decode(&encode(&id, &d), &other), None, "another format");
        assert_eq!(decode(&encode(&id, &d)[..id.len() + 12], &id), None, "a cut journal");
        assert_eq!(decode(&format!("{id}records=1\nunits=9\nbytes=3\n"), &id), None, "impossible counts");
        assert_eq!(decode(&format!("{id}records=x\nunits=9\nbytes=9\n"), &id), None);
    }

    #[test]
    fn restart_points_are_whole_blocks_or_whole_records() {
        let dir = std::env::temp_dir().join(format!("pier-oftp-restart-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p");
        // U: 5000 durable octets are 4 whole blocks.
        fs::write(&path, vec![b'u'; 6000]).unwrap();
        let mut f = File::open(&path).unwrap();
        let durable = Durable { records: 0, units: 5000, bytes: 5000 };
        assert_eq!(
            restart_point(FileFormat::Unstructured, 9, durable, &mut f).unwrap(),
            (4, Durable { records: 0, units: 4096, bytes: 4096 })
        );
        assert_eq!(restart_point(FileFormat::Unstructured, 2, durable, &mut f).unwrap().0, 2);
        assert_eq!(restart_point(FileFormat::Unstructured, 0, durable, &mut f).unwrap().0, 0);
        // V: three records of 3, 5 and 1 octets; asking for 2 finds the second's end.
        fs::write(&path, b"abc\r\nde\rfg\r\nh\r\npartial").unwrap();
        let durable = Durable { records: 3, units: 9, bytes: 15 };
        let mut f = File::open(&path).unwrap();
        assert_eq!(restart_point(FileFormat::Variable, 5, durable, &mut f).unwrap(), (3, durable));
        let mut f = File::open(&path).unwrap();
        assert_eq!(
            restart_point(FileFormat::Variable, 2, durable, &mut f).unwrap(),
            (2, Durable { records: 2, units: 8, bytes: 12 })
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_outgoing_journal_keeps_the_stamp_and_the_position() {
        assert_eq!(decode_out(&encode_out("202612070600000003", 12)), Some(("202612070600000003".into(), 12)));
        assert_eq!(decode_out("stamp=2026\nposition=1\n"), None);
        assert_eq!(decode_out("stamp=202612070600000003\n"), None);
    }

    #[test]
    fn the_journal_file_round_trips_and_survives_a_rewrite() {
        let dir = std::env::temp_dir().join(format!("pier-oftp-journal-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let j = Journal::new(&dir.join("FILE.0123.part"), &sfid(FileFormat::Unstructured));
        assert_eq!(j.read(), None);
        let d = Durable { records: 0, units: 2048, bytes: 2048 };
        j.write(&d).unwrap();
        j.write(&Durable { units: 4096, bytes: 4096, ..d }).unwrap();
        assert_eq!(j.read().unwrap().bytes, 4096);
        j.remove();
        assert_eq!(j.read(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
