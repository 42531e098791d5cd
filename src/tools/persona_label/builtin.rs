//! The built-in persona library: 30 persona files in `personas/tier{1,2,3}/`,
//! embedded in the binary so `builtin:ID`, `--tier` and `--all-personas` work
//! anywhere. Their order here (tier, then id) is the order `--tier` and
//! `--all-personas` label in.

/// A built-in persona: its id, tier and file text.
#[derive(Debug, PartialEq, Eq)]
pub struct Builtin {
    pub id: &'static str,
    pub tier: u8,
    pub text: &'static str,
}

macro_rules! builtin {
    ($tier:literal, $id:literal) => {
        Builtin {
            id: $id,
            tier: $tier,
            text: include_str!(concat!("../../../personas/tier", $tier, "/", $id, ".json")),
        }
    };
}

pub const BUILTINS: &[Builtin] = &[
    builtin!(1, "tier1_cfo_manufacturing"),
    builtin!(1, "tier1_clinical_operations_director"),
    builtin!(1, "tier1_consulting_engagement_partner"),
    builtin!(1, "tier1_customer_success_lead"),
    builtin!(1, "tier1_director_operations_logistics"),
    builtin!(1, "tier1_director_product_health"),
    builtin!(1, "tier1_eng_manager_overloaded"),
    builtin!(1, "tier1_head_of_people"),
    builtin!(1, "tier1_sales_manager_pipeline"),
    builtin!(1, "tier1_startup_ceo_founder"),
    builtin!(1, "tier1_vp_engineering_platform"),
    builtin!(1, "tier1_vp_marketing_launch"),
    builtin!(2, "tier2_account_executive_enterprise"),
    builtin!(2, "tier2_data_scientist_insights"),
    builtin!(2, "tier2_fpa_analyst_banking"),
    builtin!(2, "tier2_marketing_manager_events"),
    builtin!(2, "tier2_new_eng_manager"),
    builtin!(2, "tier2_pre_promotion_staff_engineer"),
    builtin!(2, "tier2_product_manager_customer"),
    builtin!(2, "tier2_program_manager_hardware"),
    builtin!(2, "tier2_senior_ic_architect"),
    builtin!(2, "tier2_solutions_engineer_presales"),
    builtin!(3, "tier3_contractor_boundary"),
    builtin!(3, "tier3_cross_timezone_engineer"),
    builtin!(3, "tier3_executive_assistant"),
    builtin!(3, "tier3_legal_counsel_contracts"),
    builtin!(3, "tier3_new_hire_onboarding"),
    builtin!(3, "tier3_oncall_sre"),
    builtin!(3, "tier3_part_time_designer"),
    builtin!(3, "tier3_recruiter_high_volume"),
];

/// The built-in persona with this id.
pub fn find(id: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.id == id)
}
