//! A section's narrative block, which in CDA is what the author attested: the text an
//! entry's `reference` points at, and the narrative tables (which row holds an `ID`, under
//! which column titles).

use super::xml::Element;
use std::collections::HashMap;

/// The narrative's elements by their `ID`, built once per document.
pub(super) type Ids<'d> = std::collections::HashMap<&'d str, &'d Element>;

/// The text a narrative `reference` points at (`#resultat-01` names a `content ID=`).
pub(super) fn referenced_text(ids: &Ids<'_>, reference: &str) -> Option<String> {
    let id = reference.strip_prefix('#')?;
    ids.get(id).map(|e| e.all_text()).filter(|t| !t.is_empty())
}

/// The narrative's tables: which row holds an element `ID`, and the table's column titles.
pub(super) struct Rows<'d> {
    headers: Vec<Vec<String>>,
    /// `ID` → (table, the row's cells).
    rows: HashMap<&'d str, (usize, Vec<&'d Element>)>,
}

impl<'d> Rows<'d> {
    pub fn new(all: &[&'d Element]) -> Self {
        let mut headers = Vec::new();
        let mut rows = HashMap::new();
        for table in all.iter().filter(|e| e.name == "table") {
            let t = headers.len();
            let mut titles = Vec::new();
            for tr in table.descendants().into_iter().filter(|e| e.name == "tr") {
                let th: Vec<String> = tr.children_named("th").map(|c| c.all_text()).collect();
                if titles.is_empty() && !th.is_empty() {
                    titles = th;
                    continue;
                }
                let cells: Vec<&Element> = tr.children_named("td").collect();
                for cell in &cells {
                    for id in cell.descendants().into_iter().filter_map(|e| e.attr("ID")) {
                        rows.insert(id, (t, cells.clone()));
                    }
                }
            }
            headers.push(titles);
        }
        Rows { headers, rows }
    }

    /// The text of the cell under a column titled `title…` in the row that holds `#id`.
    pub fn column(&self, reference: &str, title: &str) -> Option<String> {
        let (table, cells) = self.rows.get(reference.strip_prefix('#')?)?;
        let headers = &self.headers[*table];
        // Only a row laid out as its header is: a row of spanning cells is not that table's.
        if cells.len() != headers.len() {
            return None;
        }
        let at = headers
            .iter()
            .position(|h| h.to_lowercase().starts_with(title))?;
        Some(cells[at].all_text()).filter(|t| !is_blank(t))
    }
}

/// "-" and "" say nothing in a narrative cell.
pub(super) fn is_blank(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == "-"
}
