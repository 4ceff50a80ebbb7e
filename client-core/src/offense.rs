//! The offense, coded (issue 19, part 3): a closed list modelled on the FBI's
//! NIBRS offense categories, each filed under the group NIBRS files it under,
//! plus the status offenses a school sees that NIBRS does not code, and the
//! severity the charge carries in the state's law. The group is what the
//! "type of offense" of 003 p7 and 000 step 2 should be counted by; reports
//! still count the interaction's category (changing a published dimension
//! needs the differencing defence to cover both definitions: left open).

use crate::closed_set;

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
