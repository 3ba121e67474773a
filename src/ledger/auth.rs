//! Who may append what: the key registry derived from genesis, grants and revokes.
//!
//! The same code authorises an append and re-derives authorisation during verify, so the two
//! can never disagree.

use crate::model::{Event, Genesis, KeyId, Principal, Role, Seq};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A known key: its principal (latest granted name) and current roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Public key and display name.
    pub principal: Principal,
    /// Roles held now.
    pub roles: BTreeSet<Role>,
}

/// Why an event may not be appended by its author.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The key has never been granted anything in this ledger.
    #[error(
        "key {key_id} is not known to this ledger; an admin must first grant it a role, e.g. \
         `jixiao grant LEDGER --key ADMIN.key --public-key YOUR.key.pub --name NAME --role {needed}`"
    )]
    UnknownKey {
        /// The author.
        key_id: KeyId,
        /// The role the event needs.
        needed: Role,
    },
    /// The key lacks the role the event needs.
    #[error(
        "key {key_id} ({name}) lacks the {needed} role that `{kind}` entries need; an admin can grant \
         it with `jixiao grant LEDGER --key ADMIN.key --public-key THEIR_KEY.pub --name {name} --role {needed}`"
    )]
    MissingRole {
        /// The author.
        key_id: KeyId,
        /// Its display name.
        name: String,
        /// The role needed.
        needed: Role,
        /// The event kind.
        kind: &'static str,
    },
    /// Genesis somewhere other than seq 1, or seq 1 that is not genesis.
    #[error("{0}")]
    Genesis(String),
    /// A revoke of a role the key does not hold.
    #[error("key {key_id} does not hold the {role} role, so it cannot be revoked")]
    NotHeld {
        /// The key.
        key_id: KeyId,
        /// The role.
        role: Role,
    },
    /// A revoke that would leave the ledger without any admin.
    #[error(
        "key {key_id} is the last admin of this ledger; revoking its admin role would leave no one able to grant, revoke, adopt rule sets or sign checkpoints: grant another key the admin role first (`jixiao grant LEDGER --key ADMIN.key --public-key OTHER.key.pub --name NAME --role admin`)"
    )]
    LastAdmin {
        /// The key.
        key_id: KeyId,
    },
    /// A grant to a key whose id equals that of a different key already known.
    #[error(
        "key id {key_id} already belongs to another public key in this ledger; generate a new key with `jixiao key new`"
    )]
    KeyIdCollision {
        /// The key id.
        key_id: KeyId,
    },
    /// A correction that does not fit the entry it supersedes.
    #[error("correction of seq {target}: {why}")]
    BadCorrection {
        /// The superseded seq.
        target: Seq,
        /// What is wrong.
        why: String,
    },
}

/// The registry of keys and roles at one point of the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authority {
    keys: BTreeMap<KeyId, KeyRecord>,
}

impl Authority {
    /// The registry right after a genesis entry by `author`.
    pub fn from_genesis(g: &Genesis, author: KeyId) -> Result<Authority, AuthError> {
        if g.admins.is_empty() {
            return Err(AuthError::Genesis("genesis names no admin key".into()));
        }
        let mut a = Authority::default();
        for p in &g.admins {
            a.add_role(p, Role::Admin);
        }
        if !a.keys.contains_key(&author) {
            return Err(AuthError::Genesis(format!(
                "genesis author {author} is not among the admins it names"
            )));
        }
        Ok(a)
    }

    /// Rebuilds a registry from its records (the stored index).
    #[must_use]
    pub fn from_records(records: impl IntoIterator<Item = KeyRecord>) -> Authority {
        Authority {
            keys: records
                .into_iter()
                .map(|r| (r.principal.key_id(), r))
                .collect(),
        }
    }

    /// All records, ordered by key id.
    pub fn records(&self) -> impl Iterator<Item = &KeyRecord> {
        self.keys.values()
    }

    /// The record of one key.
    #[must_use]
    pub fn get(&self, id: KeyId) -> Option<&KeyRecord> {
        self.keys.get(&id)
    }

    /// Display name of a key, or its id if unknown.
    #[must_use]
    pub fn name_of(&self, id: KeyId) -> String {
        self.keys
            .get(&id)
            .map_or_else(|| id.to_string(), |r| r.principal.name.clone())
    }

    /// May `author` append `event` now? `superseded` looks up the event at a seq (for
    /// corrections).
    pub fn check(
        &self,
        author: KeyId,
        seq: Seq,
        event: &Event,
        superseded: &mut dyn FnMut(Seq) -> Option<Event>,
    ) -> Result<(), AuthError> {
        if let Event::Genesis(_) = event {
            return Err(AuthError::Genesis(format!(
                "seq {seq}: genesis may only be the first entry"
            )));
        }
        let needed = event.required_role();
        let rec = self.keys.get(&author).ok_or(AuthError::UnknownKey {
            key_id: author,
            needed,
        })?;
        if !rec.roles.contains(&needed) {
            return Err(AuthError::MissingRole {
                key_id: author,
                name: rec.principal.name.clone(),
                needed,
                kind: event.kind().name(),
            });
        }
        match event {
            Event::Grant(g) => {
                let id = g.principal.key_id();
                if let Some(known) = self.keys.get(&id)
                    && known.principal.public_key != g.principal.public_key
                {
                    return Err(AuthError::KeyIdCollision { key_id: id });
                }
            }
            Event::Revoke(r) => {
                let held = self
                    .keys
                    .get(&r.key_id)
                    .is_some_and(|k| k.roles.contains(&r.role));
                if !held {
                    return Err(AuthError::NotHeld {
                        key_id: r.key_id,
                        role: r.role,
                    });
                }
                let other_admin = self
                    .keys
                    .iter()
                    .any(|(id, k)| *id != r.key_id && k.roles.contains(&Role::Admin));
                if r.role == Role::Admin && !other_admin {
                    return Err(AuthError::LastAdmin { key_id: r.key_id });
                }
            }
            Event::Correction(c) => check_correction(seq, c, superseded)?,
            _ => {}
        }
        Ok(())
    }

    /// Applies the effect of an authorised event (grants and revokes change the registry).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Grant(g) => self.add_role(&g.principal, g.role),
            Event::Revoke(r) => {
                if let Some(k) = self.keys.get_mut(&r.key_id) {
                    k.roles.remove(&r.role);
                }
            }
            _ => {}
        }
    }

    fn add_role(&mut self, p: &Principal, role: Role) {
        let rec = self.keys.entry(p.key_id()).or_insert_with(|| KeyRecord {
            principal: p.clone(),
            roles: BTreeSet::new(),
        });
        if !p.name.is_empty() {
            rec.principal.name.clone_from(&p.name);
        }
        rec.roles.insert(role);
    }
}

fn check_correction(
    seq: Seq,
    c: &crate::model::Correction,
    superseded: &mut dyn FnMut(Seq) -> Option<Event>,
) -> Result<(), AuthError> {
    let bad = |why: String| AuthError::BadCorrection {
        target: c.supersedes,
        why,
    };
    if c.supersedes == 0 || c.supersedes >= seq {
        return Err(bad(format!(
            "a correction at seq {seq} can only supersede an earlier seq (1..{seq})"
        )));
    }
    let target =
        superseded(c.supersedes).ok_or_else(|| bad("no such entry in this ledger".to_string()))?;
    if matches!(
        target,
        Event::Genesis(_) | Event::Grant(_) | Event::Revoke(_) | Event::Correction(_)
    ) {
        return Err(bad(format!(
            "a {} entry cannot be corrected (grants are undone by revoke; correct the original entry, not a correction)",
            target.kind().name()
        )));
    }
    match &c.replacement {
        Some(r) if r.kind() != target.kind() => Err(bad(format!(
            "the replacement is a {} but seq {} is a {}",
            r.kind().name(),
            c.supersedes,
            target.kind().name()
        ))),
        None if c.retracted_kind_role != target.required_role() => Err(bad(format!(
            "a retraction of a {} entry needs the {} role",
            target.kind().name(),
            target.required_role()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Grant;

    fn principal(b: u8, name: &str) -> Principal {
        Principal {
            public_key: [b; 32],
            name: name.into(),
        }
    }

    #[test]
    fn defect_8_the_last_admin_cannot_be_revoked() {
        let admin = principal(1, "admin");
        let genesis = Genesis {
            department: "d".into(),
            department_code: String::new(),
            year: 2022,
            admins: vec![admin.clone()],
        };
        let mut a = Authority::from_genesis(&genesis, admin.key_id()).unwrap();
        let revoke = |p: &Principal| {
            Event::Revoke(crate::model::Revoke {
                key_id: p.key_id(),
                role: Role::Admin,
                reason: "调岗".into(),
            })
        };
        let r = a.check(admin.key_id(), 2, &revoke(&admin), &mut |_| None);
        assert!(matches!(r, Err(AuthError::LastAdmin { .. })), "{r:?}");
        assert!(r.unwrap_err().to_string().contains("grant another key"));
        // With a second admin, either may go.
        let second = principal(2, "second");
        let grant = Event::Grant(Grant {
            principal: second.clone(),
            role: Role::Admin,
        });
        a.check(admin.key_id(), 2, &grant, &mut |_| None).unwrap();
        a.apply(&grant);
        a.check(admin.key_id(), 3, &revoke(&admin), &mut |_| None)
            .unwrap();
        a.apply(&revoke(&admin));
        let r = a.check(second.key_id(), 4, &revoke(&second), &mut |_| None);
        assert!(matches!(r, Err(AuthError::LastAdmin { .. })), "{r:?}");
    }

    #[test]
    fn a_grant_to_a_different_key_with_a_known_key_id_is_refused() {
        let admin = principal(1, "admin");
        let mut a = Authority::from_genesis(
            &Genesis {
                department: "d".into(),
                department_code: String::new(),
                year: 2022,
                admins: vec![admin.clone()],
            },
            admin.key_id(),
        )
        .unwrap();
        // Forge a record whose id is another key's id but whose public key differs.
        let other = principal(2, "other");
        a.keys.insert(
            other.key_id(),
            KeyRecord {
                principal: principal(3, "impostor"),
                roles: BTreeSet::new(),
            },
        );
        let grant = Event::Grant(Grant {
            principal: other,
            role: Role::Recorder,
        });
        let r = a.check(admin.key_id(), 2, &grant, &mut |_| None);
        assert!(matches!(r, Err(AuthError::KeyIdCollision { .. })), "{r:?}");
    }
}
