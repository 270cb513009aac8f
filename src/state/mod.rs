//! The pure model and `update` (owner: console). STUB.
pub mod views;
