//! A map from token ids to cache entries, kept as a vector: a session has a
//! handful of keys, so a linear scan beats a tree, and entries can be found
//! by their parts without building the id string.

/// Keys in insertion order.
#[derive(Debug, Clone)]
pub(crate) struct KeyMap<V>(Vec<(String, V)>);

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap(Vec::new())
    }
}

impl<V> KeyMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets the value of `key`.
    pub fn insert(&mut self, key: &str, value: V) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    /// The value of `key`, inserting `make()` first if there is none.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.0.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.0.push((key.to_owned(), make()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    /// The first key whose value satisfies `pred`, with the value.
    pub fn find(&self, pred: impl Fn(&V) -> bool) -> Option<(&str, &V)> {
        self.0
            .iter()
            .find(|(_, v)| pred(v))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// [`KeyMap::find`], mutably.
    pub fn find_mut(&mut self, pred: impl Fn(&V) -> bool) -> Option<(&str, &mut V)> {
        self.0
            .iter_mut()
            .find(|(_, v)| pred(v))
            .map(|(k, v)| (k.as_str(), v))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}
