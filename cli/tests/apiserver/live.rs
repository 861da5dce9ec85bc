//! Live cluster reading: `--context`, paginated LIST, `snapshot`.

use crate::common::Ctx;

pub fn analyze_of_10000_pods_equals_the_files(_ctx: &Ctx) {}
pub fn every_kind_is_read_and_slimmed(_ctx: &Ctx) {}
pub fn unknown_context_is_an_input_error(_ctx: &Ctx) {}
