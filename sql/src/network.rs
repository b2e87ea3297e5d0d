//! PostgreSQL's network address types, `inet` and `cidr`.
//!
//! An [`Address`] is an IPv4 or IPv6 address and a netmask length. An `inet` value may have
//! bits set right of its mask (`192.168.1.5/24`, a host on its network); a `cidr` value
//! may not (`192.168.1.0/24`, a network). Both are held as `Utf8` in PostgreSQL's output
//! form ([`Address::text`]), marked with their type as `uuid` is ([`crate::pg_types::PG_TYPE`]):
//! one text per value, so text equality is value equality, and a client receives the text
//! it would from PostgreSQL. Their order is not the text's: comparisons and `ORDER BY` go
//! through [`Address::key`], whose byte order is PostgreSQL's (`network_cmp`): IPv4 before
//! IPv6, then by network, then the shorter mask first, then by the whole address.
//!
//! Reading follows PostgreSQL's rules, which are not `std::net`'s: IPv4 octets may have
//! leading zeros (`010.0.0.1` is `10.0.0.1`), an `inet` with a mask may leave out trailing
//! octets (`10/8`), and a `cidr` without a mask gets the classful one its first octet
//! implies (`'192.168'::cidr` is `192.168.0.0/24`). IPv6 text is read by `std::net`.
//! The SQL functions over these values are in `functions`, their operators in
//! `operators`, `min` and `max` in `extremes`.

pub(crate) mod extremes;
pub(crate) mod functions;
mod operators;

pub(crate) use operators::{NetworkOperators, rewrite_comparison};

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use crate::SqlState;

/// Which of the two types a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `inet`: an address, perhaps with the network it is on.
    Inet,
    /// `cidr`: a network; no bits are set right of the mask.
    Cidr,
}

impl Kind {
    /// The type's SQL name (and [`crate::pg_types::PG_TYPE`]).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Inet => "inet",
            Kind::Cidr => "cidr",
        }
    }

    /// The kind of address a field holds, by its [`crate::pg_types::PG_TYPE`]; `None` for a
    /// field of any other type.
    pub fn of_field(field: &datafusion::arrow::datatypes::Field) -> Option<Kind> {
        match crate::pg_types::pg_type_of(field)? {
            "inet" => Some(Kind::Inet),
            "cidr" => Some(Kind::Cidr),
            _ => None,
        }
    }
}

/// Why a text is not an address, or an operation has no answer; each names its SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError {
    /// PostgreSQL's message.
    pub message: String,
    /// PostgreSQL's SQLSTATE for it.
    pub sqlstate: SqlState,
}

impl NetworkError {
    fn syntax(kind: Kind, text: &str) -> NetworkError {
        NetworkError {
            message: format!("invalid input syntax for type {}: \"{text}\"", kind.name()),
            sqlstate: SqlState::INVALID_TEXT_REPRESENTATION,
        }
    }

    fn new(message: impl Into<String>, sqlstate: SqlState) -> NetworkError {
        NetworkError {
            message: message.into(),
            sqlstate,
        }
    }
}

impl From<NetworkError> for crate::Error {
    fn from(e: NetworkError) -> Self {
        crate::Error::Execution {
            message: e.message,
            sqlstate: e.sqlstate,
        }
    }
}

/// An IPv4 or IPv6 address with a netmask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// IPv6 (16 bytes) rather than IPv4 (the first 4 bytes; the rest are zero).
    v6: bool,
    /// The address, big-endian.
    bytes: [u8; 16],
    /// The netmask length: 0 to 32 for IPv4, to 128 for IPv6.
    bits: u8,
}

impl Address {
    /// Reads PostgreSQL's text form of a value of `kind`.
    pub fn parse(text: &str, kind: Kind) -> Result<Address, NetworkError> {
        let syntax = || NetworkError::syntax(kind, text);
        let (address, mask) = match text.split_once('/') {
            Some((address, mask)) => (address, Some(mask)),
            None => (text, None),
        };
        let bits = match mask {
            None => None,
            Some(m) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) => {
                Some(m.parse::<u16>().map_err(|_| syntax())?)
            }
            Some(_) => return Err(syntax()),
        };
        let parsed = if address.contains(':') {
            let v6: Ipv6Addr = address.parse().map_err(|_| syntax())?;
            let bits = bits.unwrap_or(128);
            Address {
                v6: true,
                bytes: v6.octets(),
                bits: u8::try_from(bits)
                    .ok()
                    .filter(|b| *b <= 128)
                    .ok_or_else(syntax)?,
            }
        } else {
            let octets = read_octets(address).ok_or_else(syntax)?;
            // An `inet` without a mask is a whole address; with one, or as a `cidr`, the
            // octets left out are zero.
            if kind == Kind::Inet && bits.is_none() && octets.len() != 4 {
                return Err(syntax());
            }
            let mut bytes = [0; 16];
            bytes[..octets.len()].copy_from_slice(&octets);
            let bits = match bits {
                Some(b) => b,
                None if kind == Kind::Cidr => classful_bits(&octets),
                None => 32,
            };
            Address {
                v6: false,
                bytes,
                bits: u8::try_from(bits)
                    .ok()
                    .filter(|b| *b <= 32)
                    .ok_or_else(syntax)?,
            }
        };
        if kind == Kind::Cidr && parsed.network() != parsed {
            return Err(NetworkError::new(
                format!("invalid cidr value: \"{text}\""),
                SqlState::INVALID_TEXT_REPRESENTATION,
            ));
        }
        Ok(parsed)
    }

    /// The text of a stored value (which [`Address::text`] wrote).
    pub fn read(text: &str) -> Result<Address, NetworkError> {
        Address::parse(text, Kind::Inet)
    }

    /// The netmask length.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// 4 or 6, as `family()` answers.
    pub fn family(&self) -> i32 {
        if self.v6 { 6 } else { 4 }
    }

    /// The widest mask of the family: 32 or 128.
    fn max_bits(&self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The address's bytes: 4 or 16.
    fn octets(&self) -> &[u8] {
        if self.v6 {
            &self.bytes
        } else {
            &self.bytes[..4]
        }
    }

    /// The address as one number (IPv4 in the low 32 bits).
    fn number(&self) -> u128 {
        if self.v6 {
            u128::from_be_bytes(self.bytes)
        } else {
            u128::from(u32::from_be_bytes([
                self.bytes[0],
                self.bytes[1],
                self.bytes[2],
                self.bytes[3],
            ]))
        }
    }

    /// The address with the same family and mask whose number is `n`.
    fn with_number(&self, n: u128) -> Address {
        let mut bytes = [0; 16];
        if self.v6 {
            bytes = n.to_be_bytes();
        } else {
            bytes[..4].copy_from_slice(&n.to_be_bytes()[12..]);
        }
        Address { bytes, ..*self }
    }

    /// The mask's bits as a number of the family's width.
    fn mask(&self) -> u128 {
        let width = u32::from(self.max_bits());
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        let host_bits = width - u32::from(self.bits);
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits) - 1)
        }
    }

    /// PostgreSQL's output form: `inet` without the mask when it covers the whole address,
    /// `cidr` always with it.
    pub fn text(&self, kind: Kind) -> String {
        let mut out = self.host();
        if kind == Kind::Cidr || self.bits != self.max_bits() {
            let _ = write!(out, "/{}", self.bits);
        }
        out
    }

    /// The address with its mask always (`text(inet)`, a cast to `text`).
    pub fn text_with_mask(&self) -> String {
        format!("{}/{}", self.host(), self.bits)
    }

    /// The address alone (`host()`).
    pub fn host(&self) -> String {
        if self.v6 {
            ipv6_text(&self.bytes)
        } else {
            let [a, b, c, d, ..] = self.bytes;
            format!("{a}.{b}.{c}.{d}")
        }
    }

    /// `abbrev(cidr)`: the network with the zero octets (IPv4) or words (IPv6) past the
    /// mask left out, as PostgreSQL writes it (`10/8`, `2001:db8/32`).
    pub fn abbrev_cidr(&self) -> String {
        let network = self.network();
        let mut out = if self.v6 {
            ipv6_abbrev(&network.bytes, self.bits)
        } else {
            let whole = usize::from(self.bits / 8);
            let mut parts: Vec<String> = network.bytes[..whole].iter().map(u8::to_string).collect();
            if !self.bits.is_multiple_of(8) {
                parts.push(network.bytes[whole].to_string());
            }
            if parts.is_empty() {
                "0".to_string()
            } else {
                parts.join(".")
            }
        };
        let _ = write!(out, "/{}", self.bits);
        out
    }

    /// A key whose byte order is PostgreSQL's order of these values: family, network
    /// (the address with the bits right of the mask cleared), mask length, whole address.
    pub fn key(&self) -> [u8; 34] {
        let mut key = [0; 34];
        key[0] = u8::from(self.v6);
        // An IPv4 address fills the first 4 of the 16 bytes, the rest zero.
        key[1..17].copy_from_slice(&self.network().bytes);
        key[17] = self.bits;
        key[18..].copy_from_slice(&self.bytes);
        key
    }

    /// `network()`: the bits right of the mask cleared.
    pub fn network(&self) -> Address {
        self.with_number(self.number() & self.mask())
    }

    /// `broadcast()`: the bits right of the mask set.
    pub fn broadcast(&self) -> Address {
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        self.with_number(self.number() | (all & !self.mask()))
    }

    /// `netmask()`: the mask as an address of the whole width.
    pub fn netmask(&self) -> Address {
        Address {
            bits: self.max_bits(),
            ..self.with_number(self.mask())
        }
    }

    /// `hostmask()`: the bits right of the mask, as an address of the whole width.
    pub fn hostmask(&self) -> Address {
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        Address {
            bits: self.max_bits(),
            ..self.with_number(all & !self.mask())
        }
    }

    /// `set_masklen(a, bits)`: `-1` is the whole width; a `cidr` drops the bits right of
    /// the new mask.
    pub fn with_bits(&self, bits: i64, kind: Kind) -> Result<Address, NetworkError> {
        let bits = if bits == -1 {
            self.max_bits()
        } else {
            u8::try_from(bits)
                .ok()
                .filter(|b| *b <= self.max_bits())
                .ok_or_else(|| {
                    NetworkError::new(
                        format!("invalid mask length: {bits}"),
                        SqlState::INVALID_PARAMETER_VALUE,
                    )
                })?
        };
        let changed = Address { bits, ..*self };
        Ok(match kind {
            Kind::Inet => changed,
            Kind::Cidr => changed.network(),
        })
    }

    /// Whether `other`'s network lies within this one's (`>>=`), or strictly within
    /// (`>>`, a longer mask). Addresses of different families contain neither.
    pub fn contains(&self, other: &Address, strict: bool) -> bool {
        let longer = if strict {
            other.bits > self.bits
        } else {
            other.bits >= self.bits
        };
        self.v6 == other.v6 && longer && other.number() & self.mask() == self.network().number()
    }

    /// `&&`: whether either network contains the other.
    pub fn overlaps(&self, other: &Address) -> bool {
        self.contains(other, false) || other.contains(self, false)
    }

    /// `inet_merge(a, b)`: the smallest network that holds both.
    pub fn merge(&self, other: &Address) -> Result<Address, NetworkError> {
        if self.v6 != other.v6 {
            return Err(NetworkError::new(
                "cannot merge addresses from different families",
                SqlState::INVALID_PARAMETER_VALUE,
            ));
        }
        let width = u32::from(self.max_bits());
        let differ = (self.number() ^ other.number()) << (128 - width);
        let common = differ.leading_zeros().min(width);
        let bits = u8::try_from(common)
            .unwrap_or(self.max_bits())
            .min(self.bits)
            .min(other.bits);
        Ok(Address { bits, ..*self }.network())
    }

    /// `a + n` (and `a - n` with `n` negated): the address `n` further on, mask kept.
    pub fn add(&self, n: i64) -> Result<Address, NetworkError> {
        let out_of_range = || {
            NetworkError::new(
                "result is out of range",
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            )
        };
        let max = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        let moved = if n >= 0 {
            self.number().checked_add(u128::from(n.unsigned_abs()))
        } else {
            self.number().checked_sub(u128::from(n.unsigned_abs()))
        }
        .filter(|m| *m <= max)
        .ok_or_else(out_of_range)?;
        Ok(self.with_number(moved))
    }

    /// `~a`: every bit of the address flipped, the mask kept.
    pub fn not(&self) -> Address {
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        self.with_number(!self.number() & all)
    }

    /// `a & b` (`and`) or `a | b`: the addresses' bits combined, under the longer mask.
    pub fn bitwise(&self, other: &Address, and: bool) -> Result<Address, NetworkError> {
        if self.v6 != other.v6 {
            let name = if and { "AND" } else { "OR" };
            return Err(NetworkError::new(
                format!("cannot {name} inet values of different sizes"),
                SqlState::INVALID_PARAMETER_VALUE,
            ));
        }
        let number = if and {
            self.number() & other.number()
        } else {
            self.number() | other.number()
        };
        Ok(Address {
            bits: self.bits.max(other.bits),
            ..self.with_number(number)
        })
    }

    /// `a - b`: how many addresses apart they are.
    pub fn minus(&self, other: &Address) -> Result<i64, NetworkError> {
        if self.v6 != other.v6 {
            return Err(NetworkError::new(
                "cannot subtract inet values of different sizes",
                SqlState::INVALID_PARAMETER_VALUE,
            ));
        }
        // PostgreSQL subtracts in the family's width, two's complement, and refuses what
        // does not fit a bigint.
        let difference = if self.v6 {
            self.number().wrapping_sub(other.number()) as i128
        } else {
            self.number() as i128 - other.number() as i128
        };
        i64::try_from(difference).map_err(|_| {
            NetworkError::new(
                "result is out of range",
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            )
        })
    }

    /// PostgreSQL's wire binary form: family (2 for IPv4, 3 for IPv6), mask length,
    /// whether a `cidr`, address length, address bytes.
    pub fn to_binary(&self, kind: Kind) -> Vec<u8> {
        let mut out = vec![
            if self.v6 { 3 } else { 2 },
            self.bits,
            u8::from(kind == Kind::Cidr),
            if self.v6 { 16 } else { 4 },
        ];
        out.extend_from_slice(self.octets());
        out
    }

    /// Reads the wire binary form ([`Address::to_binary`]).
    pub fn from_binary(bytes: &[u8], kind: Kind) -> Result<Address, NetworkError> {
        let bad = || {
            NetworkError::new(
                format!("invalid external \"{}\" value", kind.name()),
                SqlState::INVALID_BINARY_REPRESENTATION,
            )
        };
        let [family, bits, _cidr, length, address @ ..] = bytes else {
            return Err(bad());
        };
        let v6 = match (family, length, address.len()) {
            (2, 4, 4) => false,
            (3, 16, 16) => true,
            _ => return Err(bad()),
        };
        let mut stored = [0; 16];
        stored[..address.len()].copy_from_slice(address);
        let value = Address {
            v6,
            bytes: stored,
            bits: *bits,
        };
        if *bits > value.max_bits() || (kind == Kind::Cidr && value.network() != value) {
            return Err(bad());
        }
        Ok(value)
    }
}

/// The octets of dotted decimal IPv4 text: one to four numbers of at most 255, leading
/// zeros allowed.
fn read_octets(text: &str) -> Option<Vec<u8>> {
    let octets: Vec<u8> = text
        .split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let digits = part.trim_start_matches('0');
            if digits.len() > 3 {
                return None;
            }
            if digits.is_empty() {
                Some(0)
            } else {
                digits.parse::<u8>().ok()
            }
        })
        .collect::<Option<_>>()?;
    (1..=4).contains(&octets.len()).then_some(octets)
}

/// The mask a `cidr` written without one gets: its class's (A: 8, B: 16, C: 24, D: 8,
/// E: 32), widened to cover the octets written; `224` alone is `224.0.0.0/4`.
fn classful_bits(octets: &[u8]) -> u16 {
    let first = octets.first().copied().unwrap_or(0);
    let class: u16 = match first {
        240.. => 32,
        224.. => 8,
        192.. => 24,
        128.. => 16,
        _ => 8,
    };
    let bits = class.max(8 * octets.len() as u16);
    if bits == 8 && first == 224 { 4 } else { bits }
}

/// The 16-bit words of an IPv6 address.
fn words(bytes: &[u8; 16]) -> [u16; 8] {
    std::array::from_fn(|i| u16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]))
}

/// The longest run of zero words among the first `count` (the first of equal runs), as
/// (start, length); `None` without a zero word.
fn longest_zero_run(words: &[u16]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut current: Option<(usize, usize)> = None;
    for (i, w) in words.iter().enumerate() {
        if *w == 0 {
            current = Some(current.map_or((i, 1), |(start, n)| (start, n + 1)));
            if let Some(run) = current
                && best.is_none_or(|b| run.1 > b.1)
            {
                best = Some(run);
            }
        } else {
            current = None;
        }
    }
    best
}

/// IPv6 text as PostgreSQL writes it: lower-case hex words without leading zeros, the
/// longest run of two or more zero words as `::`, and an IPv4 address kept in the low 32
/// bits of `::a.b.c.d` or `::ffff:a.b.c.d` in dotted form.
fn ipv6_text(bytes: &[u8; 16]) -> String {
    let words = words(bytes);
    let run = longest_zero_run(&words).filter(|(_, n)| *n >= 2);
    let embedded_v4 = matches!(run, Some((0, 6))) || (run == Some((0, 5)) && words[5] == 0xffff);
    write_words(&words, run, embedded_v4.then(|| &bytes[12..]))
}

/// `abbrev(cidr)` of an IPv6 network: only the words the mask covers (at least two), the
/// longest zero run among them as `::`.
fn ipv6_abbrev(bytes: &[u8; 16], bits: u8) -> String {
    let words = words(bytes);
    let count = usize::from(bits).div_ceil(16).max(2);
    let shown = &words[..count];
    let run = longest_zero_run(shown);
    let embedded_v4 =
        count > 6 && (matches!(run, Some((0, 6))) || (run == Some((0, 5)) && words[5] == 0xffff));
    let octets = usize::from(bits).div_ceil(8);
    write_words(shown, run, embedded_v4.then(|| &bytes[12..octets.max(13)]))
}

/// Hex words with `run` written as `::`, ending in `v4` (dotted octets in place of the
/// last two words) if given.
fn write_words(words: &[u16], run: Option<(usize, usize)>, v4: Option<&[u8]>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        if let Some((start, n)) = run
            && i == start
        {
            out.push_str("::");
            i += n;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        if i == 6
            && let Some(octets) = v4
        {
            let dotted: Vec<String> = octets.iter().map(u8::to_string).collect();
            out.push_str(&dotted.join("."));
            break;
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(text: &str) -> Address {
        Address::parse(text, Kind::Inet).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn cidr(text: &str) -> Address {
        Address::parse(text, Kind::Cidr).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn reads_and_writes_as_postgresql_does() {
        for (input, output) in [
            ("10.0.0.1", "10.0.0.1"),
            ("10.0.0.1/32", "10.0.0.1"),
            ("10.0.0.1/24", "10.0.0.1/24"),
            ("010.0.0.1", "10.0.0.1"),
            ("1.2.3.0004", "1.2.3.4"),
            ("10/8", "10.0.0.0/8"),
            ("10.1.2/24", "10.1.2.0/24"),
            ("::1", "::1"),
            ("0:0::1", "::1"),
            ("2001:DB8::1/64", "2001:db8::1/64"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("::ffff", "::ffff"),
            ("::0.0.0.1", "::1"),
            ("::", "::"),
            ("1::", "1::"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ] {
            assert_eq!(inet(input).text(Kind::Inet), output, "{input}");
        }
        for (input, output) in [
            ("10/8", "10.0.0.0/8"),
            ("192.168", "192.168.0.0/24"),
            ("128.1", "128.1.0.0/16"),
            ("224", "224.0.0.0/4"),
            ("255", "255.0.0.0/32"),
            ("10.1.2", "10.1.2.0/24"),
            ("1.2.3.4", "1.2.3.4/32"),
            ("0/0", "0.0.0.0/0"),
            ("::1", "::1/128"),
            ("ff00::/8", "ff00::/8"),
        ] {
            assert_eq!(cidr(input).text(Kind::Cidr), output, "{input}");
        }
    }

    #[test]
    fn refuses_what_postgresql_refuses() {
        for bad in [
            "10.1",
            "1.2.3",
            "x",
            "1.2.3.4/33",
            "1.2.3.4/",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2.3.256",
            "::1/129",
            ":::1",
            "1:2:3:4:5:6:7:8:9",
            "fe80::1%eth0",
            "0x0a000001",
            "1.2.3.4 /8",
        ] {
            let e = Address::parse(bad, Kind::Inet).expect_err(bad);
            assert_eq!(e.sqlstate.code(), "22P02");
        }
        for bad in ["10.1.2.3/8", "1.2.3.4/0", "ffff::/8"] {
            let e = Address::parse(bad, Kind::Cidr).expect_err(bad);
            assert_eq!(e.message, format!("invalid cidr value: \"{bad}\""));
        }
    }

    #[test]
    fn keys_order_as_network_cmp() {
        let sorted = [
            "0.0.0.0/0",
            "9.255.255.255",
            "10.0.0.0/8",
            "10.0.0.9/8",
            "10.0.0.0/16",
            "10.0.0.9",
            "10.0.0.10",
            "192.168.1.0/24",
            "::/0",
            "::1",
        ];
        for pair in sorted.windows(2) {
            assert!(inet(pair[0]).key() < inet(pair[1]).key(), "{pair:?}");
        }
        assert_eq!(inet("10.0.0.1").key(), cidr("10.0.0.1/32").key());
    }

    #[test]
    fn functions_answer_as_postgresql() -> Result<(), NetworkError> {
        let a = inet("10.1.2.3/8");
        assert_eq!(a.network().text(Kind::Cidr), "10.0.0.0/8");
        assert_eq!(a.broadcast().text(Kind::Inet), "10.255.255.255/8");
        assert_eq!(a.netmask().text(Kind::Inet), "255.0.0.0");
        assert_eq!(a.hostmask().text(Kind::Inet), "0.255.255.255");
        assert_eq!(a.with_bits(16, Kind::Inet)?.text(Kind::Inet), "10.1.2.3/16");
        assert_eq!(
            cidr("10.1.0.0/16")
                .with_bits(8, Kind::Cidr)?
                .text(Kind::Cidr),
            "10.0.0.0/8"
        );
        assert_eq!(
            inet("1.2.3.4").with_bits(-1, Kind::Inet)?.text(Kind::Inet),
            "1.2.3.4"
        );
        assert!(inet("1.2.3.4").with_bits(33, Kind::Inet).is_err());
        assert_eq!(inet("10.0.0.1").text_with_mask(), "10.0.0.1/32");
        let v6 = inet("::1/120");
        assert_eq!(v6.broadcast().text(Kind::Inet), "::ff/120");
        assert_eq!(
            v6.netmask().text(Kind::Inet),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00"
        );
        assert_eq!(
            inet("192.168.1.5/24")
                .merge(&inet("192.168.2.5/24"))?
                .text(Kind::Cidr),
            "192.168.0.0/22"
        );
        assert_eq!(inet("10.0.0.1").add(5)?.text(Kind::Inet), "10.0.0.6");
        assert_eq!(inet("10.0.0.1/8").add(300)?.text(Kind::Inet), "10.0.1.45/8");
        assert!(inet("255.255.255.255").add(1).is_err());
        assert!(inet("0.0.0.0").add(-1).is_err());
        assert_eq!(inet("::1").add(5)?.text(Kind::Inet), "::6");
        assert_eq!(inet("10.0.0.10").minus(&inet("10.0.0.1"))?, 9);
        assert_eq!(
            inet("0.0.0.0").minus(&inet("255.255.255.255"))?,
            -4294967295
        );
        assert_eq!(
            inet("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").minus(&inet("::"))?,
            -1
        );
        assert!(inet("1.2.3.4").minus(&inet("::1")).is_err());
        assert_eq!(
            inet("10.0.0.1/8").not().text(Kind::Inet),
            "245.255.255.254/8"
        );
        assert_eq!(
            inet("::1").not().text(Kind::Inet),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
        );
        let (a, b) = (inet("10.0.0.1/8"), inet("0.0.0.255/24"));
        assert_eq!(a.bitwise(&b, true)?.text(Kind::Inet), "0.0.0.1/24");
        assert_eq!(a.bitwise(&b, false)?.text(Kind::Inet), "10.0.0.255/24");
        assert!(a.bitwise(&inet("::1"), true).is_err());
        Ok(())
    }

    #[test]
    fn containment_looks_at_networks() {
        assert!(inet("10.0.0.0/8").contains(&inet("10.1.2.3"), true));
        assert!(!inet("10.0.0.1").contains(&inet("10.0.0.1"), true));
        assert!(inet("10.0.0.0/8").contains(&inet("10.0.0.0/8"), false));
        assert!(!inet("10.0.0.0/8").contains(&inet("10.0.0.0/8"), true));
        assert!(inet("1.2.3.4/8").contains(&inet("1.0.0.0/8"), false));
        assert!(!inet("0.0.0.0/0").contains(&inet("::1"), false));
        assert!(cidr("10.0.0.0/8").overlaps(&cidr("10.1.0.0/16")));
        assert!(!cidr("10.0.0.0/8").overlaps(&cidr("11.0.0.0/8")));
    }

    #[test]
    fn abbreviates_networks_as_postgresql() {
        for (input, output) in [
            ("10.0.0.0/8", "10/8"),
            ("10.0.0.0/16", "10.0/16"),
            ("10.10.0.0/16", "10.10/16"),
            ("10.128.0.0/9", "10.128/9"),
            ("1.2.3.0/25", "1.2.3.0/25"),
            ("0.0.0.0/0", "0/0"),
            ("2001:db8::/32", "2001:db8/32"),
            ("2001:db8:1::/48", "2001:db8:1/48"),
            ("2001:db8:1::/64", "2001:db8:1::/64"),
            ("::/0", "::/0"),
            ("2001:0:0:1::/64", "2001::1/64"),
            ("2001:db8::1/128", "2001:db8::1/128"),
            ("1::/16", "1::/16"),
            ("ff00::/8", "ff00::/8"),
            ("1:2:3:4:5:6:7:0/112", "1:2:3:4:5:6:7/112"),
            ("::ffff:0.0.0.0/96", "::ffff/96"),
            ("1:0:1::/48", "1::1/48"),
            ("1:0:0:2:0:0:3::/112", "1::2:0:0:3/112"),
            ("::1.2.3.0/120", "::1.2.3/120"),
            ("::ffff:1.2.3.4/128", "::ffff:1.2.3.4/128"),
            ("1:8000::/17", "1:8000/17"),
            ("::/16", "::/16"),
        ] {
            assert_eq!(cidr(input).abbrev_cidr(), output, "{input}");
        }
    }

    #[test]
    fn binary_form_round_trips() -> Result<(), NetworkError> {
        for (text, kind) in [("10.1.2.3/8", Kind::Inet), ("2001:db8::/32", Kind::Cidr)] {
            let a = Address::parse(text, kind)?;
            assert_eq!(Address::from_binary(&a.to_binary(kind), kind)?, a);
        }
        assert!(Address::from_binary(&[2, 33, 0, 4, 1, 2, 3, 4], Kind::Inet).is_err());
        assert!(Address::from_binary(&[2, 8, 1, 4, 1, 2, 3, 4], Kind::Cidr).is_err());
        assert!(Address::from_binary(&[2, 8, 0, 4, 1], Kind::Inet).is_err());
        Ok(())
    }
}
