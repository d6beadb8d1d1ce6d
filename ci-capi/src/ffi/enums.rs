//! C enums whose number conversion (and, for the result code, message) is derived from
//! the enum itself, so that one list of variants is all there is to keep.
//!
//! The enums stay plain `#[repr(u32)] enum` items in the source, which is what cbindgen
//! reads (it does not expand macros); `macro_rules_attribute`'s `#[derive(Name!)]` hands
//! the same item, verbatim, to the `macro_rules!` derives below (as rustls-ffi derives
//! `From<u32>` for `rustls_result`). Stable Rust has no `macro_rules!` derives of its own
//! yet (rust-lang/rust#143549).

/// A fieldless `#[repr(u32)]` C enum: every variant and the conversion from the `u32`
/// that C passes (C enums travel as `uint32_t`, so any value can arrive).
pub(crate) trait U32Enum: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    #[cfg_attr(not(test), allow(dead_code))] // the tests walk every variant
    const ALL: &'static [Self];

    /// The variant numbered `value`, if there is one.
    fn from_u32(value: u32) -> Option<Self>;
}

/// Derives [`U32Enum`] for a fieldless enum whose variants all have explicit values.
/// Used as `#[derive(U32Enum!)]` with `macro_rules_attribute::derive`.
macro_rules! derive_u32_enum {
    (
        $(#[$enum_attr:meta])*
        $vis:vis enum $Enum:ident {
            $(
                $(#[$variant_attr:meta])*
                $Variant:ident = $value:literal
            ),* $(,)?
        }
    ) => {
        impl $crate::ffi::U32Enum for $Enum {
            const ALL: &'static [Self] = &[$($Enum::$Variant),*];

            fn from_u32(value: u32) -> Option<Self> {
                match value {
                    $($value => Some($Enum::$Variant),)*
                    _ => None,
                }
            }
        }
    };
}
// Named like the trait it derives, as derives are (the two live in different namespaces).
pub(crate) use derive_u32_enum as U32Enum;

/// Derives `message(self) -> &'static str` from each variant's
/// `#[custom(message = "...")]`, which must follow its doc comment: a variant without
/// a message does not compile.
macro_rules! derive_messages {
    (
        $(#[$enum_attr:meta])*
        $vis:vis enum $Enum:ident {
            $(
                $(#[doc = $doc:literal])*
                #[custom(message = $message:literal)]
                $Variant:ident = $value:literal
            ),* $(,)?
        }
    ) => {
        impl $Enum {
            /// The short English description of the value.
            pub(crate) fn message(self) -> &'static str {
                match self {
                    $($Enum::$Variant => $message,)*
                }
            }
        }
    };
}
pub(crate) use derive_messages as Messages;
