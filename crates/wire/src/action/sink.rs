//! The two output formats of the one action traversal ([`super::encode`]): canonical msgpack
//! (the signed bytes) and compact JSON (the request body).

/// The few primitives the action traversal needs; one traversal, two formats.
pub(super) trait Sink {
    /// Starts a map of `len` entries.
    fn map(&mut self, len: usize);
    fn end_map(&mut self);
    /// Starts an array of `len` elements.
    fn array(&mut self, len: usize);
    fn end_array(&mut self);
    fn key(&mut self, k: &str);
    fn str(&mut self, s: &[u8]);
    fn bool(&mut self, b: bool);
    fn uint(&mut self, v: u64);
}

/// msgpack as the venue's reference encoders write it (Python `msgpack.packb`, `rmp`):
/// fix/8/16/32 forms chosen by size, integers in their smallest unsigned form.
pub(super) struct Msgpack<'a>(pub(super) &'a mut Vec<u8>);

impl Msgpack<'_> {
    fn len_prefixed(&mut self, len: usize, fix_tag: u8, fix_max: usize, tags: [u8; 3]) {
        let out = &mut *self.0;
        if len <= fix_max {
            out.push(fix_tag | len as u8);
        } else if tags[0] != 0 && len <= 0xff {
            out.extend_from_slice(&[tags[0], len as u8]);
        } else if len <= 0xffff {
            out.push(tags[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(tags[2]);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

impl Sink for Msgpack<'_> {
    fn map(&mut self, len: usize) {
        // fixmap 0x80, map16 0xde, map32 0xdf (no map8 in msgpack).
        self.len_prefixed(len, 0x80, 15, [0, 0xde, 0xdf]);
    }
    fn end_map(&mut self) {}
    fn array(&mut self, len: usize) {
        // fixarray 0x90, array16 0xdc, array32 0xdd.
        self.len_prefixed(len, 0x90, 15, [0, 0xdc, 0xdd]);
    }
    fn end_array(&mut self) {}
    fn key(&mut self, k: &str) {
        self.str(k.as_bytes());
    }
    fn str(&mut self, s: &[u8]) {
        // fixstr 0xa0, str8 0xd9, str16 0xda, str32 0xdb.
        self.len_prefixed(s.len(), 0xa0, 31, [0xd9, 0xda, 0xdb]);
        self.0.extend_from_slice(s);
    }
    fn bool(&mut self, b: bool) {
        self.0.push(if b { 0xc3 } else { 0xc2 });
    }
    fn uint(&mut self, v: u64) {
        let out = &mut *self.0;
        if v < 0x80 {
            out.push(v as u8);
        } else if v <= 0xff {
            out.extend_from_slice(&[0xcc, v as u8]);
        } else if v <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// Compact JSON. `need_comma` is set after every complete value and cleared after `{`, `[` and
/// a key, which is all the state separators need.
pub(super) struct Json<'a> {
    pub(super) out: &'a mut Vec<u8>,
    pub(super) need_comma: bool,
}

impl Json<'_> {
    fn sep(&mut self) {
        if self.need_comma {
            self.out.push(b',');
        }
    }

    fn quoted(&mut self, s: &[u8]) {
        self.out.push(b'"');
        for &b in s {
            match b {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                0..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[usize::from(b >> 4)]);
                    self.out.push(HEX[usize::from(b & 0xf)]);
                }
                _ => self.out.push(b),
            }
        }
        self.out.push(b'"');
    }
}

impl Sink for Json<'_> {
    fn map(&mut self, _len: usize) {
        self.sep();
        self.out.push(b'{');
        self.need_comma = false;
    }
    fn end_map(&mut self) {
        self.out.push(b'}');
        self.need_comma = true;
    }
    fn array(&mut self, _len: usize) {
        self.sep();
        self.out.push(b'[');
        self.need_comma = false;
    }
    fn end_array(&mut self) {
        self.out.push(b']');
        self.need_comma = true;
    }
    fn key(&mut self, k: &str) {
        self.sep();
        self.quoted(k.as_bytes());
        self.out.push(b':');
        self.need_comma = false;
    }
    fn str(&mut self, s: &[u8]) {
        self.sep();
        self.quoted(s);
        self.need_comma = true;
    }
    fn bool(&mut self, b: bool) {
        self.sep();
        self.out.extend_from_slice(if b { b"true" } else { b"false" });
        self.need_comma = true;
    }
    fn uint(&mut self, v: u64) {
        self.sep();
        write_u64(self.out, v);
        self.need_comma = true;
    }
}

/// Appends `v` in decimal without going through `fmt` (which may not allocate, but is slower).
pub fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}
