//! Field paths as the scanner matches them: a path is a list of [`Segment`]s,
//! and a [`PathSet`] compiles many paths into one trie (of `Node`s) that the
//! scanner walks once per record.

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key; also an array index when it is all digits.
    Key(Box<str>),
    /// `*`: every member of an object or element of an array.
    Any,
}

#[derive(Debug, Default, Clone)]
pub(super) struct Node {
    pub(super) children: Vec<(Segment, usize)>,
    /// Ids of the paths that end at this node.
    pub(super) ends: Vec<usize>,
}

/// A set of field paths compiled into a trie, walked once per record.
#[derive(Debug, Clone)]
pub struct PathSet {
    pub(super) nodes: Vec<Node>,
    len: usize,
}

impl PathSet {
    pub fn new(paths: &[Vec<Segment>]) -> Self {
        let mut nodes = vec![Node::default()];
        for (id, path) in paths.iter().enumerate() {
            let mut at = 0;
            for seg in path {
                let found = nodes[at].children.iter().find(|(s, _)| s == seg).map(|c| c.1);
                at = match found {
                    Some(next) => next,
                    None => {
                        nodes.push(Node::default());
                        let next = nodes.len() - 1;
                        nodes[at].children.push((seg.clone(), next));
                        next
                    }
                };
            }
            nodes[at].ends.push(id);
        }
        PathSet { nodes, len: paths.len() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
