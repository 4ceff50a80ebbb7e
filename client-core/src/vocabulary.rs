//! The closed sets of DOMAIN.md section 2, spelled as API.md spells them.

use crate::closed_set;

closed_set!(
    /// Where in or around the school the interaction happened.
    Location {
        Classroom = "classroom", Hallway = "hallway", Cafeteria = "cafeteria", Office = "office",
        Gym = "gym", Grounds = "grounds", Parking = "parking", Bus = "bus", Event = "event",
        OffCampus = "off_campus", Other = "other",
    }
);

closed_set!(
    /// Who started the interaction (003 principle 7: self-initiated or prompted by school personnel).
    InitiatedBy {
        OfficerSelf = "self", SchoolStaff = "school_staff", Dispatch = "dispatch", Student = "student",
        ParentGuardian = "parent_guardian", Other = "other",
    }
);

closed_set!(
    /// The role of the staff member who asked the SRO to step in.
    StaffRole {
        Teacher = "teacher", Administrator = "administrator", Counselor = "counselor",
        SupportStaff = "support_staff", Other = "other",
    }
);

closed_set!(
    /// The nature of the matter.
    Category {
        SafetyThreat = "safety_threat", CriminalOffense = "criminal_offense",
        CodeOfConduct = "code_of_conduct", MentalHealthCrisis = "mental_health_crisis",
        WelfareCheck = "welfare_check", Medical = "medical",
        RelationshipBuilding = "relationship_building", EducationPresentation = "education_presentation",
        EmergencyManagement = "emergency_management", Other = "other",
    }
);

closed_set!(
    /// The four COPS roles of an SRO (003 "Types of roles").
    SroRole {
        SafetyEducator = "safety_educator", EmergencyManager = "emergency_manager",
        LawEnforcementProblemSolver = "law_enforcement_problem_solver",
        InformalCounselor = "informal_counselor",
    }
);

closed_set!(
    /// The federal race categories (Hispanic/Latino ethnicity is asked separately).
    Race {
        AmericanIndianAlaskaNative = "american_indian_alaska_native", Asian = "asian", Black = "black",
        NativeHawaiianPacificIslander = "native_hawaiian_pacific_islander", White = "white",
    }
);

closed_set!(
    Sex { Female = "female", Male = "male", Nonbinary = "nonbinary", Unknown = "unknown" }
);

closed_set!(
    /// Disability status: IDEA, Section 504, none or unknown.
    Disability { Idea = "idea", Section504 = "section_504", None = "none", Unknown = "unknown" }
);

closed_set!(
    EnglishLearner { Yes = "yes", No = "no", Unknown = "unknown" }
);

closed_set!(
    /// De-escalation techniques (003 principle 4: use them before custody).
    Technique {
        Verbal = "verbal", TimeAndSpace = "time_and_space", OfferedChoices = "offered_choices",
        CalmLocation = "calm_location", RemovedAudience = "removed_audience",
        CounselorCalled = "counselor_called",
        MentalHealthProfessionalCalled = "mental_health_professional_called",
        GuardianContacted = "guardian_contacted", Other = "other",
    }
);

closed_set!(
    /// What the SRO did.
    ActionTaken {
        None = "none", Warning = "warning", Counseled = "counseled",
        ReferredToAdministrator = "referred_to_administrator", ReferredToCounselor = "referred_to_counselor",
        Diversion = "diversion", Restorative = "restorative", GuardianContacted = "guardian_contacted",
        SearchPerson = "search_person", SearchProperty = "search_property", Seizure = "seizure",
        Citation = "citation", UseOfForce = "use_of_force", PhysicalRestraint = "physical_restraint",
        MechanicalRestraint = "mechanical_restraint", Detention = "detention", Arrest = "arrest",
        CourtReferral = "court_referral", Transport = "transport",
        DeclinedDisciplineMatter = "declined_discipline_matter",
    }
);

impl ActionTaken {
    /// A search of the person or of property.
    pub fn is_search(self) -> bool {
        matches!(self, Self::SearchPerson | Self::SearchProperty)
    }

    /// Force or restraint, as the oversight views count them together.
    pub fn is_force_or_restraint(self) -> bool {
        matches!(
            self,
            Self::UseOfForce | Self::PhysicalRestraint | Self::MechanicalRestraint
        )
    }
}

impl ActionTaken {
    /// Actions that need a custody justification under the rules of
    /// `version` (`rules::version`): from version 2 a frisk (a search of the
    /// person) is physical custody too (DOMAIN.md rule 7; 003 p4 "wrist
    /// restraints, frisking, community separation").
    pub const fn is_custody_under(self, version: u16) -> bool {
        self.is_custody() || (version >= 2 && matches!(self, Self::SearchPerson))
    }

    /// Actions that needed a custody justification under the first rules
    /// (DOMAIN.md section 2): see [`Self::is_custody_under`].
    pub const fn is_custody(self) -> bool {
        matches!(
            self,
            Self::Detention
                | Self::Arrest
                | Self::PhysicalRestraint
                | Self::MechanicalRestraint
                | Self::UseOfForce
        )
    }

    /// Actions that rule 1 requires de-escalation before under the rules of
    /// `version`: custody plus ticketing (003 p4: "prior to detaining,
    /// arresting, or ticketing").
    pub const fn needs_deescalation_under(self, version: u16) -> bool {
        self.is_custody_under(version) || matches!(self, Self::Citation)
    }

    /// Actions that can bring charges: the record says whether any were
    /// filed or referred, and where they went (rules version 2).
    pub const fn may_charge(self) -> bool {
        matches!(self, Self::Arrest | Self::Citation | Self::CourtReferral)
    }

    /// Searches and seizures: each needs its legal basis from version 2.
    pub const fn is_search_or_seizure(self) -> bool {
        matches!(
            self,
            Self::SearchPerson | Self::SearchProperty | Self::Seizure
        )
    }

    /// Enforcement actions: what makes a discipline over-call "SRO involvement
    /// in school discipline" (DOMAIN.md rule 4).
    pub const fn is_enforcement(self) -> bool {
        self.is_custody()
            || matches!(
                self,
                Self::SearchPerson
                    | Self::SearchProperty
                    | Self::Seizure
                    | Self::Citation
                    | Self::CourtReferral
            )
    }

    /// What the officer-outlier rule counts (DOMAIN.md section 4: arrests +
    /// citations + searches + seizures per 100 interactions; 003 p6 names
    /// seizures among the actions to view with caution).
    pub const fn counts_toward_outlier(self) -> bool {
        matches!(
            self,
            Self::Arrest
                | Self::Citation
                | Self::SearchPerson
                | Self::SearchProperty
                | Self::Seizure
        )
    }

    /// Actions that put a record into the review queue by themselves (DOMAIN.md section 4).
    pub const fn is_reviewable(self) -> bool {
        self.is_enforcement()
    }
}

closed_set!(
    /// Whether the student was removed from public view before custody.
    RemovedFromView { Yes = "yes", No = "no", NotPossible = "not_possible" }
);

closed_set!(
    /// The legal basis of a search or seizure (000 step 2: "improper
    /// searches, seizures, or interrogations").
    LegalBasis {
        Consent = "consent", ReasonableSuspicion = "reasonable_suspicion",
        ProbableCause = "probable_cause", Warrant = "warrant", PlainView = "plain_view",
        Other = "other",
    }
);

closed_set!(
    /// Where charges went: not to court, to diversion, to juvenile or adult
    /// court, or not known yet.
    CourtInvolvement {
        None = "none", Diversion = "diversion", JuvenileCourt = "juvenile_court",
        AdultCourt = "adult_court", Pending = "pending",
    }
);

closed_set!(
    /// A record is a draft until the officer submits it.
    Status { Draft = "draft", Submitted = "submitted" }
);

closed_set!(
    /// A supervisor's finding on a reviewed record.
    Finding {
        Appropriate = "appropriate", TrainingNeed = "training_need", PolicyConcern = "policy_concern",
        ReferredForInvestigation = "referred_for_investigation",
    }
);

closed_set!(
    /// Where a student value came from. The policy is written against sources.
    Source { Perceived = "perceived", SchoolRecord = "school_record", SelfReported = "self_reported" }
);

closed_set!(
    /// The roles of DOMAIN.md section 3.
    Role {
        Sro = "sro", Supervisor = "supervisor", SchoolLeader = "school_leader", Analyst = "analyst",
        Admin = "admin", Auditor = "auditor",
        /// Command staff (the agency's chain of command above supervisors,
        /// professional standards among them): they take in, assign and close
        /// complaints (issue 21).
        Commander = "commander",
    }
);
