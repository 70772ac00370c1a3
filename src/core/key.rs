//! Cache keys (SPEC 2.1).

/// What a token is for: an optional JWT template and an optional organization.
/// Empty strings are normalised to `None`, as `filter(Boolean)` would.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TokenKey {
    /// JWT template name.
    pub template: Option<String>,
    /// Organization id; `None` is the personal workspace.
    pub organization_id: Option<String>,
}

impl TokenKey {
    /// Builds a key, treating `""` as absent.
    pub fn new(template: Option<&str>, organization_id: Option<&str>) -> TokenKey {
        TokenKey {
            template: non_empty(template),
            organization_id: non_empty(organization_id),
        }
    }

    /// `[sessionId, template, organizationId].filter(Boolean).join("-")`.
    pub fn token_id(&self, session_id: &str) -> String {
        token_id(
            session_id,
            self.template.as_deref(),
            self.organization_id.as_deref(),
        )
    }
}

/// The clerk-js key format, shared by the cache and the broadcast messages.
pub fn token_id(session_id: &str, template: Option<&str>, organization_id: Option<&str>) -> String {
    let mut id = String::new();
    for part in [Some(session_id), template, organization_id]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
    {
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(part);
    }
    id
}

pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

impl TokenKey {
    /// Whether this is the key of `template` and `organization_id` (both
    /// already normalised: `None` for absent or empty).
    pub fn is(&self, template: Option<&str>, organization_id: Option<&str>) -> bool {
        self.template.as_deref() == template && self.organization_id.as_deref() == organization_id
    }

    /// `(template, organization_id)`.
    pub fn into_parts(self) -> (Option<String>, Option<String>) {
        (self.template, self.organization_id)
    }
}
