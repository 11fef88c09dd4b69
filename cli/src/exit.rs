//! The exit-code contract every command shares.

/// Nothing at or above the fail-on level.
pub const CLEAN: u8 = 0;
/// Findings at or above the fail-on level.
pub const FINDINGS: u8 = 1;
/// Unreadable input or a usage error.
pub const USAGE: u8 = 2;
