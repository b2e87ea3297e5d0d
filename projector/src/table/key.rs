//! [`StoredKey`]: a list of values as stored in the table's B-trees.
//!
//! A B-tree search compares the probe with several keys of each node it visits. With keys
//! as `Vec<Value>`, each comparison first follows the vector's heap pointer, a likely cache
//! miss at a million rows. Single-value keys, by far the most common primary and index keys,
//! are therefore stored inline; longer keys are boxed.
//!
//! Invariant: a `StoredKey` orders, compares and hashes exactly like the slice it holds
//! (`as_slice`), which is what lets maps keyed by it be searched with a `&[Value]`
//! (`Borrow<[Value]>`).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::value::Value;

#[derive(Debug, Clone)]
pub(crate) enum StoredKey {
    One(Value),
    Many(Box<[Value]>),
}

impl StoredKey {
    pub(crate) fn as_slice(&self) -> &[Value] {
        match self {
            StoredKey::One(v) => std::slice::from_ref(v),
            StoredKey::Many(vs) => vs,
        }
    }

    /// The empty key, below every other.
    pub(crate) fn empty() -> Self {
        StoredKey::Many(Box::new([]))
    }

    /// Heap bytes owned by the key, for memory accounting.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            StoredKey::One(v) => v.heap_bytes(),
            StoredKey::Many(vs) => super::row_heap_bytes(vs),
        }
    }
}

impl From<Vec<Value>> for StoredKey {
    fn from(mut values: Vec<Value>) -> Self {
        match values.pop() {
            Some(v) if values.is_empty() => StoredKey::One(v),
            Some(v) => {
                values.push(v);
                StoredKey::Many(values.into_boxed_slice())
            }
            None => StoredKey::empty(),
        }
    }
}

impl From<&[Value]> for StoredKey {
    fn from(values: &[Value]) -> Self {
        match values {
            [v] => StoredKey::One(v.clone()),
            _ => StoredKey::Many(values.into()),
        }
    }
}

impl Borrow<[Value]> for StoredKey {
    fn borrow(&self) -> &[Value] {
        self.as_slice()
    }
}

impl PartialEq for StoredKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for StoredKey {}

impl PartialOrd for StoredKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StoredKey {
    fn cmp(&self, other: &Self) -> Ordering {
        // Fast path for the common case; same result as comparing the slices.
        match (self, other) {
            (StoredKey::One(a), StoredKey::One(b)) => a.cmp(b),
            _ => self.as_slice().cmp(other.as_slice()),
        }
    }
}

impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_slice_it_holds() {
        let keys: Vec<Vec<Value>> = vec![
            vec![],
            vec![Value::Int32(1)],
            vec![Value::Int32(1), Value::Null],
            vec![Value::Int32(2)],
            vec![Value::Null],
        ];
        for a in &keys {
            for b in &keys {
                let (sa, sb) = (StoredKey::from(a.clone()), StoredKey::from(b.as_slice()));
                assert_eq!(sa.cmp(&sb), a.as_slice().cmp(b.as_slice()), "{a:?} {b:?}");
                assert_eq!(sa.as_slice(), a.as_slice());
            }
        }
        assert!(matches!(
            StoredKey::from(vec![Value::Int32(1)]),
            StoredKey::One(_)
        ));
        assert!(std::mem::size_of::<StoredKey>() <= std::mem::size_of::<Value>() + 8);
    }
}
