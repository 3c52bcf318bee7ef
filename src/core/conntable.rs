//! The connection table: slots that double as mio tokens, connection ids that
//! are positive and unique for the lifetime of a handle, and enumeration by
//! position (docs/API.md §3) in O(1).

use super::idhash::IdMap;

struct Entry<T> {
    id: i32,
    pos: usize,
    value: T,
}

pub struct ConnTable<T> {
    slots: Vec<Option<Entry<T>>>,
    free: Vec<usize>,
    by_id: IdMap<i32, usize>,
    /// Slots in enumeration order; removal swaps the last one in.
    order: Vec<usize>,
    next_id: i32,
}

impl<T> Default for ConnTable<T> {
    fn default() -> Self {
        ConnTable { slots: Vec::new(), free: Vec::new(), by_id: IdMap::default(), order: Vec::new(), next_id: 1 }
    }
}

impl<T> ConnTable<T> {
    /// Allocates the next id without inserting (ids never repeat).
    pub fn next_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id = if self.next_id == i32::MAX { 1 } else { self.next_id + 1 };
        id
    }

    /// Inserts under an id from [`ConnTable::next_id`]; returns the slot.
    pub fn insert(&mut self, id: i32, value: T) -> usize {
        let pos = self.order.len();
        let entry = Entry { id, pos, value };
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s] = Some(entry);
                s
            }
            None => {
                self.slots.push(Some(entry));
                self.slots.len() - 1
            }
        };
        self.order.push(slot);
        self.by_id.insert(id, slot);
        slot
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn slot_of(&self, id: i32) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    pub fn get(&self, id: i32) -> Option<&T> {
        self.slot_of(id).and_then(|s| self.slots[s].as_ref()).map(|e| &e.value)
    }

    pub fn get_mut(&mut self, id: i32) -> Option<&mut T> {
        let s = self.slot_of(id)?;
        self.slots[s].as_mut().map(|e| &mut e.value)
    }

    pub fn by_slot(&self, slot: usize) -> Option<&T> {
        self.slots.get(slot)?.as_ref().map(|e| &e.value)
    }

    pub fn by_slot_mut(&mut self, slot: usize) -> Option<&mut T> {
        self.slots.get_mut(slot)?.as_mut().map(|e| &mut e.value)
    }

    pub fn id_of_slot(&self, slot: usize) -> Option<i32> {
        self.slots.get(slot)?.as_ref().map(|e| e.id)
    }

    /// The id at enumeration position `pos`.
    pub fn id_at(&self, pos: usize) -> Option<i32> {
        let slot = *self.order.get(pos)?;
        self.id_of_slot(slot)
    }

    pub fn remove(&mut self, id: i32) -> Option<T> {
        let slot = self.by_id.remove(&id)?;
        let entry = self.slots[slot].take()?;
        self.order.swap_remove(entry.pos);
        if let Some(&moved) = self.order.get(entry.pos) {
            if let Some(e) = self.slots[moved].as_mut() {
                e.pos = entry.pos;
            }
        }
        self.free.push(slot);
        Some(entry.value)
    }

    pub fn ids(&self) -> Vec<i32> {
        self.order.iter().filter_map(|&s| self.id_of_slot(s)).collect()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|e| e.as_ref().map(|e| &e.value))
    }

    pub fn drain(&mut self) -> Vec<T> {
        let out = self.slots.drain(..).flatten().map(|e| e.value).collect();
        self.free.clear();
        self.by_id.clear();
        self.order.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_positions_dense() {
        let mut t = ConnTable::default();
        let a = t.next_id();
        let sa = t.insert(a, "a");
        let b = t.next_id();
        t.insert(b, "b");
        let c = t.next_id();
        t.insert(c, "c");
        assert_eq!((a, b, c), (1, 2, 3));
        assert_eq!(t.remove(a), Some("a"));
        assert_eq!(t.len(), 2);
        let mut seen: Vec<_> = (0..t.len()).map(|p| t.id_at(p).unwrap()).collect();
        seen.sort();
        assert_eq!(seen, vec![b, c]);
        assert_eq!(t.id_at(2), None);
        let d = t.next_id();
        assert_eq!(d, 4, "ids are never reused");
        assert_eq!(t.insert(d, "d"), sa, "slots are reused");
        assert_eq!(t.get(d), Some(&"d"));
        assert_eq!(t.get(a), None);
    }
}
