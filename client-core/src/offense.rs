//! The offense, coded (issue 19, part 3): a closed list modelled on the FBI's
//! NIBRS offense categories, each filed under the group NIBRS files it under,
//! plus the status offenses a school sees that NIBRS does not code, and the
//! severity the charge carries in the state's law. Reports count the group:
//! the "type of offense" the data is disaggregated by (003 p7, 000 step 2),
//! where they counted the interaction's category before.

use crate::closed_set;
use crate::record::Record;
use crate::vocabulary::Category;

closed_set!(
    /// The offense, by NIBRS category (Group A offenses by what they are
    /// against, then Group B, then status offenses).
    OffenseCode {
        AggravatedAssault = "aggravated_assault", SimpleAssault = "simple_assault",
        Intimidation = "intimidation", SexOffense = "sex_offense",
        Robbery = "robbery", Burglary = "burglary", LarcenyTheft = "larceny_theft",
        MotorVehicleTheft = "motor_vehicle_theft", Vandalism = "destruction_vandalism",
        Arson = "arson", StolenProperty = "stolen_property", Fraud = "fraud",
        DrugViolation = "drug_narcotic_violation", DrugEquipment = "drug_equipment_violation",
        WeaponLaw = "weapon_law_violation",
        DisorderlyConduct = "disorderly_conduct", Trespass = "trespass",
        LiquorLaw = "liquor_law_violation", CurfewLoitering = "curfew_loitering",
        Truancy = "truancy", TobaccoVaping = "tobacco_vaping", Runaway = "runaway",
        Other = "other",
    }
);

closed_set!(
    /// What a report breaks offenses down by: NIBRS's groups, the status
    /// offenses, and interactions that were about no offense.
    OffenseGroup {
        AgainstPerson = "against_person", AgainstProperty = "against_property",
        AgainstSociety = "against_society", GroupB = "group_b", Status = "status",
        OtherOffense = "other_offense", NotAnOffense = "not_an_offense",
    }
);

closed_set!(
    /// The charge's severity in the state's law, which the officer knows and
    /// the code cannot (a theft is a misdemeanor or a felony by its value).
    Severity {
        Felony = "felony", Misdemeanor = "misdemeanor", Status = "status",
        Ordinance = "ordinance", None = "none",
    }
);

impl OffenseCode {
    pub const fn group(self) -> OffenseGroup {
        use OffenseCode as O;
        match self {
            O::AggravatedAssault | O::SimpleAssault | O::Intimidation | O::SexOffense => {
                OffenseGroup::AgainstPerson
            }
            O::Robbery
            | O::Burglary
            | O::LarcenyTheft
            | O::MotorVehicleTheft
            | O::Vandalism
            | O::Arson
            | O::StolenProperty
            | O::Fraud => OffenseGroup::AgainstProperty,
            O::DrugViolation | O::DrugEquipment | O::WeaponLaw => OffenseGroup::AgainstSociety,
            O::DisorderlyConduct | O::Trespass | O::LiquorLaw | O::CurfewLoitering => {
                OffenseGroup::GroupB
            }
            O::Truancy | O::TobaccoVaping | O::Runaway => OffenseGroup::Status,
            O::Other => OffenseGroup::OtherOffense,
        }
    }
}

/// The report's offense category of a record: its code's group; an
/// interaction about no crime is not an offense; a criminal matter with no
/// code (records from before codes) is unknown (`None`).
pub fn group_of(r: &Record) -> Option<OffenseGroup> {
    match (r.offense_code, r.category) {
        (Some(code), _) => Some(code.group()),
        (None, Some(Category::CriminalOffense)) | (None, None) => None,
        (None, Some(_)) => Some(OffenseGroup::NotAnOffense),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_falls_in_its_nibrs_group() {
        use OffenseCode as O;
        use OffenseGroup as G;
        let table = [
            (O::AggravatedAssault, G::AgainstPerson),
            (O::SimpleAssault, G::AgainstPerson),
            (O::Intimidation, G::AgainstPerson),
            (O::SexOffense, G::AgainstPerson),
            (O::Robbery, G::AgainstProperty),
            (O::Burglary, G::AgainstProperty),
            (O::LarcenyTheft, G::AgainstProperty),
            (O::MotorVehicleTheft, G::AgainstProperty),
            (O::Vandalism, G::AgainstProperty),
            (O::Arson, G::AgainstProperty),
            (O::StolenProperty, G::AgainstProperty),
            (O::Fraud, G::AgainstProperty),
            (O::DrugViolation, G::AgainstSociety),
            (O::DrugEquipment, G::AgainstSociety),
            (O::WeaponLaw, G::AgainstSociety),
            (O::DisorderlyConduct, G::GroupB),
            (O::Trespass, G::GroupB),
            (O::LiquorLaw, G::GroupB),
            (O::CurfewLoitering, G::GroupB),
            (O::Truancy, G::Status),
            (O::TobaccoVaping, G::Status),
            (O::Runaway, G::Status),
            (O::Other, G::OtherOffense),
        ];
        assert_eq!(
            table.len(),
            OffenseCode::ALL.len(),
            "every code is in the table"
        );
        for (code, group) in table {
            assert_eq!(code.group(), group, "{code}");
        }
    }
}
