//! The deploy step: `netfence apply`.

use crate::common::Ctx;

pub fn rollout_then_rollback(_ctx: &Ctx) {}
pub fn dry_run_rejection_changes_nothing(_ctx: &Ctx) {}
pub fn failing_step_is_restored(_ctx: &Ctx) {}
pub fn watched_drops_roll_back(_ctx: &Ctx) {}
