//! The reporting categories a record's values fall into, the outcomes
//! counted, and the dimensions a report is broken down by.

use crate::closed_set;
use crate::record::Demographics;
use crate::vocabulary::{ActionTaken, Category, Disability, EnglishLearner, Race, Sex};

closed_set!(
    /// The seven federal race/ethnicity reporting categories (Hispanic or
    /// Latino of any race first, then one race, then two or more), plus
    /// unknown when nothing was recorded.
    RaceEthnicity {
        HispanicLatino = "hispanic_latino",
        AmericanIndianAlaskaNative = "american_indian_alaska_native", Asian = "asian",
        Black = "black", NativeHawaiianPacificIslander = "native_hawaiian_pacific_islander",
        White = "white", TwoOrMore = "two_or_more", Unknown = "unknown",
    }
);

impl RaceEthnicity {
    pub fn of(d: &Demographics) -> Self {
        if d.hispanic_latino == Some(true) {
            return Self::HispanicLatino;
        }
        match d.race.as_slice() {
            [] => Self::Unknown,
            [one] => match one {
                Race::AmericanIndianAlaskaNative => Self::AmericanIndianAlaskaNative,
                Race::Asian => Self::Asian,
                Race::Black => Self::Black,
                Race::NativeHawaiianPacificIslander => Self::NativeHawaiianPacificIslander,
                Race::White => Self::White,
            },
            many if many.iter().all(|r| *r == many[0]) => Self::of(&Demographics {
                race: vec![many[0]],
                ..d.clone()
            }),
            _ => Self::TwoOrMore,
        }
    }
}

closed_set!(
    /// Age bands: elementary, middle and high school ages, and adults.
    AgeBand {
        UpTo10 = "10_and_under", From11To13 = "11_13", From14To15 = "14_15",
        From16To17 = "16_17", From18 = "18_and_over", Unknown = "unknown",
    }
);

impl AgeBand {
    pub fn of(age: Option<u8>) -> Self {
        match age {
            None => Self::Unknown,
            Some(0..=10) => Self::UpTo10,
            Some(11..=13) => Self::From11To13,
            Some(14..=15) => Self::From14To15,
            Some(16..=17) => Self::From16To17,
            Some(_) => Self::From18,
        }
    }
}

closed_set!(
    /// What a report counts besides the interactions themselves.
    Outcome {
        Search = "search", Citation = "citation",
        ReferralToLawEnforcement = "referral_to_law_enforcement", Arrest = "arrest",
        Restraint = "restraint", PhysicalRestraint = "physical_restraint",
        MechanicalRestraint = "mechanical_restraint", UseOfForce = "use_of_force",
    }
);

impl Outcome {
    /// Whether a record with `actions` counts toward this outcome, as the
    /// Civil Rights Data Collection defines them: a referral to law
    /// enforcement includes citations, court referrals and every arrest (an
    /// arrest is always also a referral); handcuffs are recorded as mechanical
    /// restraint; restraint is physical or mechanical.
    pub fn in_actions(self, actions: &[ActionTaken]) -> bool {
        use ActionTaken as A;
        actions.iter().any(|a| match self {
            Self::Search => a.is_search(),
            Self::Citation => *a == A::Citation,
            Self::ReferralToLawEnforcement => {
                matches!(a, A::Citation | A::CourtReferral | A::Arrest)
            }
            Self::Arrest => *a == A::Arrest,
            Self::Restraint => matches!(a, A::PhysicalRestraint | A::MechanicalRestraint),
            Self::PhysicalRestraint => *a == A::PhysicalRestraint,
            Self::MechanicalRestraint => *a == A::MechanicalRestraint,
            Self::UseOfForce => *a == A::UseOfForce,
        })
    }
}

impl Outcome {
    /// The outcome every interaction counted toward this one also counts
    /// toward (`in_actions`): an arrest or a citation is a referral to law
    /// enforcement, and physical or mechanical restraint is restraint. A
    /// reader of the tables knows it too, so suppression bounds each by the
    /// other (`report/joint.rs`).
    pub fn within(self) -> Option<Self> {
        match self {
            Self::Citation | Self::Arrest => Some(Self::ReferralToLawEnforcement),
            Self::PhysicalRestraint | Self::MechanicalRestraint => Some(Self::Restraint),
            Self::Search | Self::ReferralToLawEnforcement | Self::Restraint | Self::UseOfForce => {
                None
            }
        }
    }
}

impl Outcome {
    /// The outcomes this one is exactly the union of: every restraint is
    /// physical or mechanical (`in_actions`), so a group had at most as
    /// many restraints as physical and mechanical ones together, and a
    /// reader of the tables knows it (`report/joint.rs`). Empty where an
    /// outcome is not a union of published ones (a referral may be a court
    /// referral, which no table counts).
    pub fn made_of(self) -> &'static [Self] {
        match self {
            Self::Restraint => &[Self::PhysicalRestraint, Self::MechanicalRestraint],
            _ => &[],
        }
    }
}

closed_set!(
    /// What a report can be broken down by.
    Dimension {
        RaceEthnicity = "race_ethnicity", Sex = "sex", AgeBand = "age_band",
        Disability = "disability", EnglishLearner = "english_learner", Offense = "offense",
    }
);

impl Dimension {
    /// Every category of the dimension, in a fixed order, so a table always
    /// has the same rows (an absent row would itself say "zero").
    pub fn categories(self) -> Vec<&'static str> {
        fn all<T: Copy>(xs: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
            xs.iter().map(|x| f(*x)).collect()
        }
        match self {
            Self::RaceEthnicity => all(RaceEthnicity::ALL, RaceEthnicity::as_str),
            Self::Sex => all(Sex::ALL, Sex::as_str),
            Self::AgeBand => all(AgeBand::ALL, AgeBand::as_str),
            Self::Disability => all(Disability::ALL, Disability::as_str),
            Self::EnglishLearner => all(EnglishLearner::ALL, EnglishLearner::as_str),
            Self::Offense => {
                let mut v = all(Category::ALL, Category::as_str);
                v.push(UNKNOWN);
                v
            }
        }
    }
}

impl Dimension {
    /// Whether a two-way table by `(self, other)` is suppressed as it
    /// stands; otherwise it is suppressed transposed. `by=a,b` and `by=b,a`
    /// are then one table seen two ways: complementary suppression breaks
    /// ties by position, so suppressing both orientations could withhold
    /// different cells, and the two answers together would unlock both.
    pub fn leads(self, other: Self) -> bool {
        let at = |d: Self| Self::ALL.iter().position(|x| *x == d);
        at(self) < at(other)
    }
}

/// The category of a value that was not recorded.
pub const UNKNOWN: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Race;
    #[test]
    fn race_ethnicity_follows_the_federal_order() {
        let d = |race: Vec<Race>, h: Option<bool>| Demographics {
            race,
            hispanic_latino: h,
            ..Demographics::default()
        };
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Black], Some(true))),
            RaceEthnicity::HispanicLatino
        );
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Black, Race::White], None)),
            RaceEthnicity::TwoOrMore
        );
        assert_eq!(
            RaceEthnicity::of(&d(vec![Race::Asian], Some(false))),
            RaceEthnicity::Asian
        );
        assert_eq!(RaceEthnicity::of(&d(vec![], None)), RaceEthnicity::Unknown);
    }

    /// `within` names every containment `in_actions` makes, and only
    /// those (`in_actions` is true of a set when it is of one of its
    /// actions, so single actions decide it).
    #[test]
    fn within_is_every_outcome_one_contains() {
        for &o in Outcome::ALL {
            for &p in Outcome::ALL.iter().filter(|p| **p != o) {
                let contained = ActionTaken::ALL
                    .iter()
                    .all(|a| !o.in_actions(&[*a]) || p.in_actions(&[*a]));
                assert_eq!(contained, o.within() == Some(p), "{o:?} within {p:?}");
            }
        }
    }

    /// `made_of` is every outcome that is exactly the union of others.
    #[test]
    fn made_of_is_every_outcome_that_is_a_union_of_others() {
        for &o in Outcome::ALL {
            let within: Vec<Outcome> = Outcome::ALL
                .iter()
                .copied()
                .filter(|p| p.within() == Some(o))
                .collect();
            let union = ActionTaken::ALL
                .iter()
                .all(|a| o.in_actions(&[*a]) == within.iter().any(|p| p.in_actions(&[*a])));
            let want: &[Outcome] = if union { &within } else { &[] };
            assert_eq!(o.made_of(), want, "{o:?}");
        }
    }

    #[test]
    fn every_arrest_is_a_referral_and_handcuffs_are_restraint() {
        let a = [ActionTaken::Arrest];
        assert!(Outcome::ReferralToLawEnforcement.in_actions(&a));
        assert!(!Outcome::Citation.in_actions(&a));
        let m = [ActionTaken::MechanicalRestraint];
        assert!(Outcome::Restraint.in_actions(&m));
        assert!(Outcome::MechanicalRestraint.in_actions(&m));
        assert!(!Outcome::PhysicalRestraint.in_actions(&m));
    }
}
