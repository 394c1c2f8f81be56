-- 由 etl/dictionary 生成，请勿手改（python -m etl docs）。
-- Generated from etl/dictionary; do not edit.

create table core_submissions (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    revision INTEGER,
    status VARCHAR,
    submission_id VARCHAR,
    account_level TINYINT,
    parent_account_id VARCHAR,
    submitted_at TIMESTAMPTZ,
    approved_at TIMESTAMPTZ,
    reviewer_account_id VARCHAR,
    reports_municipal_funds BOOLEAN,
    source_file VARCHAR,
    run_id VARCHAR,
    n_warnings INTEGER,
    excluded_sources VARCHAR[]
);

comment on table core_submissions is '每个账号×年度×版次一行，包括被取代的旧版次和草稿';

comment on column core_submissions.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_submissions.account_id is '账号ID';

comment on column core_submissions.survey_year is '统计年度';

comment on column core_submissions.revision is '修订版次';

comment on column core_submissions.status is '填报状态 draft/submitted/returned/approved';

comment on column core_submissions.submission_id is '填报记录ID（采集系统）';

comment on column core_submissions.account_level is '账号级别';

comment on column core_submissions.parent_account_id is '上级账号ID';

comment on column core_submissions.submitted_at is '提交时间';

comment on column core_submissions.approved_at is '审核时间';

comment on column core_submissions.reviewer_account_id is '审核账号';

comment on column core_submissions.reports_municipal_funds is '本账号是否单独填报市级财政经费';

comment on column core_submissions.source_file is '收件箱中的文件（相对路径）';

comment on column core_submissions.run_id is '载入该版本的运行ID';

comment on column core_submissions.n_warnings is '软规则提示条数';

comment on column core_submissions.excluded_sources is '本账号须剔除的经费来源（F-03/F-04）';

create table core_measures (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    unit_name VARCHAR,
    uscc VARCHAR,
    unit_type VARCHAR,
    enterprise_ownership VARCHAR,
    admin_division_code VARCHAR,
    supervising_dept VARCHAR,
    intl_base_level VARCHAR,
    intl_base_type VARCHAR,
    has_intl_activity BOOLEAN,
    has_support_policy BOOLEAN,
    staff_total BIGINT,
    rd_staff BIGINT,
    coop_staff_fulltime BIGINT,
    coop_staff_parttime BIGINT,
    out_groups BIGINT,
    out_person_times BIGINT,
    out_person_times_hmt BIGINT,
    out_person_days BIGINT,
    out_pt_visit BIGINT,
    out_pt_conference BIGINT,
    out_pt_joint_research BIGINT,
    out_pt_training BIGINT,
    out_pt_exhibition BIGINT,
    out_pt_other BIGINT,
    out_pt_long_term BIGINT,
    out_pt_senior BIGINT,
    in_groups BIGINT,
    in_person_times BIGINT,
    in_person_times_hmt BIGINT,
    in_person_days BIGINT,
    in_pt_visit BIGINT,
    in_pt_conference BIGINT,
    in_pt_joint_research BIGINT,
    in_pt_training BIGINT,
    in_pt_exhibition BIGINT,
    in_pt_other BIGINT,
    in_pt_long_term BIGINT,
    in_pt_senior BIGINT,
    n_partner_countries_exchange BIGINT,
    n_partner_hmt_exchange BIGINT,
    conf_hosted BIGINT,
    conf_participants BIGINT,
    conf_participants_foreign BIGINT,
    conf_participants_hmt BIGINT,
    conf_online BIGINT,
    proj_active BIGINT,
    proj_new BIGINT,
    proj_completed BIGINT,
    proj_led BIGINT,
    proj_by_level_national BIGINT,
    proj_by_level_provincial BIGINT,
    proj_by_level_municipal BIGINT,
    proj_by_level_county BIGINT,
    proj_by_level_unit BIGINT,
    proj_by_level_foreign_funded BIGINT,
    proj_by_level_other BIGINT,
    proj_fund_reportable DECIMAL(14,2),
    n_partner_countries_project BIGINT,
    fund_src_central DECIMAL(14,2),
    fund_src_provincial DECIMAL(14,2),
    fund_src_municipal DECIMAL(14,2),
    fund_src_county DECIMAL(14,2),
    fund_src_unit_self DECIMAL(14,2),
    fund_src_domestic_other DECIMAL(14,2),
    fund_src_foreign DECIMAL(14,2),
    fund_total_all DECIMAL(14,2),
    fund_reportable DECIMAL(14,2),
    fund_on_exchange DECIMAL(14,2),
    fund_on_projects DECIMAL(14,2),
    fund_on_platforms DECIMAL(14,2),
    inst_joint_total BIGINT,
    inst_joint_lab BIGINT,
    inst_tech_transfer BIGINT,
    inst_incubator BIGINT,
    inst_other BIGINT,
    inst_overseas BIGINT,
    inst_new BIGINT,
    inst_bri_joint_lab BIGINT,
    agr_signed_year BIGINT,
    agr_in_force BIGINT,
    agr_by_type_gov BIGINT,
    agr_by_type_institution BIGINT,
    agr_by_type_enterprise BIGINT,
    org_persons BIGINT,
    org_positions BIGINT,
    org_positions_senior BIGINT,
    journal_positions BIGINT,
    org_joined BIGINT,
    papers_coauthored BIGINT,
    patents_joint BIGINT,
    patents_pct BIGINT,
    tech_import_items BIGINT,
    tech_export_items BIGINT,
    tt_contracts BIGINT,
    tt_contract_value DECIMAL(14,2),
    new_products BIGINT,
    joint_training BIGINT,
    experts_introduced BIGINT,
    intl_awards BIGINT,
    std_total BIGINT,
    std_led BIGINT,
    std_published_year BIGINT,
    bsp_count BIGINT,
    bsp_led BIGINT,
    bsp_persons BIGINT,
    bsp_fund_reportable DECIMAL(14,2),
    foreign_fulltime BIGINT,
    foreign_visiting BIGINT,
    young_foreign_scientists BIGINT,
    returnees_year BIGINT,
    staff_posted_abroad BIGINT,
    policy_count_year BIGINT,
    suggestions_text VARCHAR
);

comment on table core_measures is '每个已提交/已审核版本一行：本账号本级填报值（宽表，列见数据字典）';

comment on column core_measures.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_measures.account_id is '账号ID';

comment on column core_measures.survey_year is '统计年度';

comment on column core_measures.unit_name is '单位名称';

comment on column core_measures.uscc is '统一社会信用代码';

comment on column core_measures.unit_type is '单位类型';

comment on column core_measures.enterprise_ownership is '企业性质';

comment on column core_measures.admin_division_code is '所在地行政区划代码';

comment on column core_measures.supervising_dept is '主管部门';

comment on column core_measures.intl_base_level is '国际科技合作基地级别';

comment on column core_measures.intl_base_type is '基地类型';

comment on column core_measures.has_intl_activity is '本年度是否开展国际（含港澳台）科技合作与交流';

comment on column core_measures.has_support_policy is '是否出台国际合作支持政策/制度';

comment on column core_measures.staff_total is '从业人员数（人）；汇总：SUM';

comment on column core_measures.rd_staff is 'R&D人员数（人）；汇总：SUM';

comment on column core_measures.coop_staff_fulltime is '专职国际合作管理/支撑人员（人）；汇总：SUM';

comment on column core_measures.coop_staff_parttime is '兼职国际合作管理/支撑人员（人）；汇总：SUM';

comment on column core_measures.out_groups is '出访团组（批次）数（批）；汇总：SUM';

comment on column core_measures.out_person_times is '出访人次（人次）；汇总：SUM';

comment on column core_measures.out_person_times_hmt is '出访人次中：港澳台（人次）；汇总：SUM';

comment on column core_measures.out_person_days is '出访人天数（人天）；汇总：SUM';

comment on column core_measures.out_pt_visit is '出访人次中：考察访问（人次）；汇总：SUM';

comment on column core_measures.out_pt_conference is '出访人次中：国际会议（人次）；汇总：SUM';

comment on column core_measures.out_pt_joint_research is '出访人次中：合作研究（人次）；汇总：SUM';

comment on column core_measures.out_pt_training is '出访人次中：培训/进修（人次）；汇总：SUM';

comment on column core_measures.out_pt_exhibition is '出访人次中：科技展览（人次）；汇总：SUM';

comment on column core_measures.out_pt_other is '出访人次中：其他（人次）；汇总：SUM';

comment on column core_measures.out_pt_long_term is '出访人次中：长期（≥90天）（人次）；汇总：SUM';

comment on column core_measures.out_pt_senior is '出访人次中：高级职称/高层次人才（人次）；汇总：SUM';

comment on column core_measures.in_groups is '来访团组（批次）数（批）；汇总：SUM';

comment on column core_measures.in_person_times is '来访人次（人次）；汇总：SUM';

comment on column core_measures.in_person_times_hmt is '来访人次中：港澳台（人次）；汇总：SUM';

comment on column core_measures.in_person_days is '来访人天数（人天）；汇总：SUM';

comment on column core_measures.in_pt_visit is '来访人次中：考察访问（人次）；汇总：SUM';

comment on column core_measures.in_pt_conference is '来访人次中：国际会议（人次）；汇总：SUM';

comment on column core_measures.in_pt_joint_research is '来访人次中：合作研究（人次）；汇总：SUM';

comment on column core_measures.in_pt_training is '来访人次中：培训/进修（人次）；汇总：SUM';

comment on column core_measures.in_pt_exhibition is '来访人次中：科技展览（人次）；汇总：SUM';

comment on column core_measures.in_pt_other is '来访人次中：其他（人次）；汇总：SUM';

comment on column core_measures.in_pt_long_term is '来访人次中：长期（≥90天）（人次）；汇总：SUM';

comment on column core_measures.in_pt_senior is '来访人次中：高级职称/高层次人才（人次）；汇总：SUM';

comment on column core_measures.n_partner_countries_exchange is '人员交流涉及国家数（个）；汇总：DISTINCT；由明细计算';

comment on column core_measures.n_partner_hmt_exchange is '人员交流涉及港澳台地区数（个）；汇总：DISTINCT；由明细计算';

comment on column core_measures.conf_hosted is '主办/承办国际学术会议（次）；汇总：SUM';

comment on column core_measures.conf_participants is '参会总人次（人次）；汇总：SUM';

comment on column core_measures.conf_participants_foreign is '其中：境外（外国）参会人次（人次）；汇总：SUM';

comment on column core_measures.conf_participants_hmt is '其中：港澳台参会人次（人次）；汇总：SUM';

comment on column core_measures.conf_online is '其中：线上/线上线下结合会议（次）；汇总：SUM';

comment on column core_measures.proj_active is '在研国际合作项目数（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_new is '其中：本年新立项（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_completed is '其中：本年结题（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_led is '其中：本单位牵头（项）；汇总：SUM；由明细计算';

comment on column core_measures.proj_by_level_national is '按立项级别：国家级（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_provincial is '按立项级别：省级（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_municipal is '按立项级别：市级（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_county is '按立项级别：县级（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_unit is '按立项级别：单位自主/横向（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_foreign_funded is '按立项级别：外方资助（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_by_level_other is '按立项级别：其他（项）；汇总：SUM*；由明细计算';

comment on column core_measures.proj_fund_reportable is '项目本年到位经费（计入统计）（万元）；汇总：SUM；由明细计算';

comment on column core_measures.n_partner_countries_project is '项目涉及国家数（个）；汇总：DISTINCT；由明细计算';

comment on column core_measures.fund_src_central is '中央（国家级）财政资金（万元）；汇总：SUM';

comment on column core_measures.fund_src_provincial is '省级财政资金（万元）；汇总：SUM';

comment on column core_measures.fund_src_municipal is '市（地）级财政资金（万元）；汇总：SUM';

comment on column core_measures.fund_src_county is '县级财政资金（万元）；汇总：SUM';

comment on column core_measures.fund_src_unit_self is '单位自筹（万元）；汇总：SUM';

comment on column core_measures.fund_src_domestic_other is '其他境内资金（企业、社会）（万元）；汇总：SUM';

comment on column core_measures.fund_src_foreign is '境外（外方及港澳台）资金（万元）；汇总：SUM';

comment on column core_measures.fund_total_all is '经费合计（全部来源，备查）（万元）；汇总：SUM';

comment on column core_measures.fund_reportable is '本单位国际科技合作经费投入（计入统计）（万元）；汇总：SUM';

comment on column core_measures.fund_on_exchange is '其中：用于人员交流（万元）；汇总：SUM';

comment on column core_measures.fund_on_projects is '其中：用于合作项目（万元）；汇总：SUM';

comment on column core_measures.fund_on_platforms is '其中：用于平台/机构建设（万元）；汇总：SUM';

comment on column core_measures.inst_joint_total is '与外方（港澳台）共建科技机构（个）；汇总：SUM*';

comment on column core_measures.inst_joint_lab is '其中：联合实验室/联合研究中心（个）；汇总：SUM*';

comment on column core_measures.inst_tech_transfer is '其中：国际技术转移中心（个）；汇总：SUM*';

comment on column core_measures.inst_incubator is '其中：国际孵化器/创新园（个）；汇总：SUM*';

comment on column core_measures.inst_other is '其中：其他（个）；汇总：SUM*';

comment on column core_measures.inst_overseas is '其中：设在境外的机构（个）；汇总：SUM*';

comment on column core_measures.inst_new is '其中：本年新建（个）；汇总：SUM*';

comment on column core_measures.inst_bri_joint_lab is '“一带一路”联合实验室（个）；汇总：SUM*';

comment on column core_measures.agr_signed_year is '本年新签科技合作与交流协议（项）；汇总：SUM*';

comment on column core_measures.agr_in_force is '年末有效协议（项）；汇总：SUM*';

comment on column core_measures.agr_by_type_gov is '按类型：政府间（项）；汇总：SUM*';

comment on column core_measures.agr_by_type_institution is '按类型：机构间（项）；汇总：SUM*';

comment on column core_measures.agr_by_type_enterprise is '按类型：企业间（项）；汇总：SUM*';

comment on column core_measures.org_persons is '在国际组织任职人员（人）；汇总：SUM*';

comment on column core_measures.org_positions is '任职岗位数（个）；汇总：SUM';

comment on column core_measures.org_positions_senior is '其中：主席/副主席/秘书长/执委等高级职务（个）；汇总：SUM';

comment on column core_measures.journal_positions is '在SCI国际期刊任职（主编/副主编/编委）（人次）；汇总：SUM';

comment on column core_measures.org_joined is '本单位（团体会员）参加国际科技组织（个）；汇总：DISTINCT；由明细计算';

comment on column core_measures.papers_coauthored is '国际（港澳台）合著论文（篇）；汇总：SUM*';

comment on column core_measures.patents_joint is '与外方联合申请专利（件）；汇总：SUM*';

comment on column core_measures.patents_pct is '其中：PCT/境外专利（件）；汇总：SUM*';

comment on column core_measures.tech_import_items is '引进国外（境外）技术（项）；汇总：SUM';

comment on column core_measures.tech_export_items is '技术输出（项）；汇总：SUM';

comment on column core_measures.tt_contracts is '涉外技术转让/许可合同（项）；汇总：SUM';

comment on column core_measures.tt_contract_value is '合同金额（万元）；汇总：SUM';

comment on column core_measures.new_products is '合作形成新产品/新工艺（项）；汇总：SUM';

comment on column core_measures.joint_training is '联合培养研究生/博士后（人）；汇总：SUM';

comment on column core_measures.experts_introduced is '引进外国专家和技术人员（人）；汇总：SUM*';

comment on column core_measures.intl_awards is '获国际科技奖项（项）；汇总：SUM';

comment on column core_measures.std_total is '制订或参与起草国际标准（项）；汇总：DISTINCT；由明细计算';

comment on column core_measures.std_led is '其中：主导制定（项）；汇总：DISTINCT；由明细计算';

comment on column core_measures.std_published_year is '其中：本年发布（项）；汇总：DISTINCT；由明细计算';

comment on column core_measures.bsp_count is '参与国际大科学计划/工程（项）；汇总：DISTINCT；由明细计算';

comment on column core_measures.bsp_led is '其中：牵头组织（项）；汇总：DISTINCT；由明细计算';

comment on column core_measures.bsp_persons is '参与人员（人）；汇总：SUM*；由明细计算';

comment on column core_measures.bsp_fund_reportable is '投入经费（计入统计）（万元）；汇总：SUM；由明细计算';

comment on column core_measures.foreign_fulltime is '外籍（含港澳台）全职科研人员（人）；汇总：SUM*';

comment on column core_measures.foreign_visiting is '外籍短期/兼职/访问学者（人）；汇总：SUM*';

comment on column core_measures.young_foreign_scientists is '来华工作的外国青年科学家（人）；汇总：SUM*';

comment on column core_measures.returnees_year is '本年引进海外归国人才（人）；汇总：SUM';

comment on column core_measures.staff_posted_abroad is '常驻境外（外派）科研人员（人）；汇总：SUM';

comment on column core_measures.policy_count_year is '本年出台政策数（项）；汇总：SUM';

comment on column core_measures.suggestions_text is '意见和建议';

create table core_partner_values (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    field VARCHAR,
    partner_code VARCHAR,
    value DOUBLE
);

comment on table core_partner_values is '按国家（地区）分列的指标（长表）：版本×指标×合作方一行';

comment on column core_partner_values.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_partner_values.account_id is '账号ID';

comment on column core_partner_values.survey_year is '统计年度';

comment on column core_partner_values.field is '指标（数据字典字段名）';

comment on column core_partner_values.partner_code is '合作国家（地区）ISO 3166-1 alpha-3';

comment on column core_partner_values.value is '数值（单位见指标）';

create table core_projects (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    project_key VARCHAR,
    project_name VARCHAR,
    role VARCHAR,
    funding_level VARCHAR,
    programme VARCHAR,
    partner_org_names VARCHAR,
    coop_form VARCHAR,
    field VARCHAR,
    start_date DATE,
    end_date DATE,
    status_in_year VARCHAR,
    fund_total_contract DECIMAL(14,2),
    fund_src_central DECIMAL(14,2),
    fund_src_provincial DECIMAL(14,2),
    fund_src_municipal DECIMAL(14,2),
    fund_src_county DECIMAL(14,2),
    fund_src_unit_self DECIMAL(14,2),
    fund_src_domestic_other DECIMAL(14,2),
    fund_src_foreign DECIMAL(14,2),
    fund_spent_year DECIMAL(14,2),
    fund_reportable DECIMAL(14,2)
);

comment on table core_projects is '国际合作项目明细：版本×项目一行';

comment on column core_projects.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_projects.account_id is '账号ID';

comment on column core_projects.survey_year is '统计年度';

comment on column core_projects.project_key is '项目编号';

comment on column core_projects.project_name is '项目名称';

comment on column core_projects.role is '本单位角色';

comment on column core_projects.funding_level is '立项级别/来源';

comment on column core_projects.programme is '所属计划';

comment on column core_projects.partner_org_names is '外方合作机构';

comment on column core_projects.coop_form is '合作形式';

comment on column core_projects.field is '技术领域';

comment on column core_projects.start_date is '开始日期';

comment on column core_projects.end_date is '结束日期';

comment on column core_projects.status_in_year is '本年状态';

comment on column core_projects.fund_total_contract is '项目总经费（合同）（万元）';

comment on column core_projects.fund_src_central is '本年到位经费：中央（国家级）财政资金（万元）';

comment on column core_projects.fund_src_provincial is '本年到位经费：省级财政资金（万元）';

comment on column core_projects.fund_src_municipal is '本年到位经费：市（地）级财政资金（万元）';

comment on column core_projects.fund_src_county is '本年到位经费：县级财政资金（万元）';

comment on column core_projects.fund_src_unit_self is '本年到位经费：单位自筹（万元）';

comment on column core_projects.fund_src_domestic_other is '本年到位经费：其他境内资金（企业、社会）（万元）';

comment on column core_projects.fund_src_foreign is '本年到位经费：境外（外方及港澳台）资金（万元）';

comment on column core_projects.fund_spent_year is '本年支出（万元）';

comment on column core_projects.fund_reportable is '本年到位经费中计入统计部分（万元，F-03）';

create table core_project_partners (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    project_key VARCHAR,
    partner_code VARCHAR,
    org_code VARCHAR
);

comment on table core_project_partners is '项目的合作国家（地区）或国际组织：项目×合作方一行';

comment on column core_project_partners.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_project_partners.account_id is '账号ID';

comment on column core_project_partners.survey_year is '统计年度';

comment on column core_project_partners.project_key is '项目编号';

comment on column core_project_partners.partner_code is '合作国家（地区）';

comment on column core_project_partners.org_code is '合作国际组织';

create table core_orgs (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    org_code VARCHAR,
    org_name VARCHAR
);

comment on table core_orgs is '参加的国际科技组织：版本×组织一行';

comment on column core_orgs.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_orgs.account_id is '账号ID';

comment on column core_orgs.survey_year is '统计年度';

comment on column core_orgs.org_code is '国际组织代码';

comment on column core_orgs.org_name is '组织名称';

create table core_standards (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    standard_no VARCHAR,
    standard_name VARCHAR,
    sdo VARCHAR,
    role VARCHAR,
    stage VARCHAR,
    year_of_stage INTEGER
);

comment on table core_standards is '国际标准明细：版本×标准一行';

comment on column core_standards.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_standards.account_id is '账号ID';

comment on column core_standards.survey_year is '统计年度';

comment on column core_standards.standard_no is '标准编号';

comment on column core_standards.standard_name is '标准名称';

comment on column core_standards.sdo is '标准组织';

comment on column core_standards.role is '本单位角色';

comment on column core_standards.stage is '所处阶段';

comment on column core_standards.year_of_stage is '进入该阶段年份';

create table core_big_science (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    programme_code VARCHAR,
    role VARCHAR,
    persons BIGINT,
    fund_src_central DECIMAL(14,2),
    fund_src_provincial DECIMAL(14,2),
    fund_src_municipal DECIMAL(14,2),
    fund_src_county DECIMAL(14,2),
    fund_src_unit_self DECIMAL(14,2),
    fund_src_domestic_other DECIMAL(14,2),
    fund_src_foreign DECIMAL(14,2),
    fund_reportable DECIMAL(14,2)
);

comment on table core_big_science is '国际大科学计划明细：版本×计划一行';

comment on column core_big_science.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_big_science.account_id is '账号ID';

comment on column core_big_science.survey_year is '统计年度';

comment on column core_big_science.programme_code is '大科学计划代码';

comment on column core_big_science.role is '本单位角色';

comment on column core_big_science.persons is '参与人员（人）';

comment on column core_big_science.fund_src_central is '投入经费：中央（国家级）财政资金（万元）';

comment on column core_big_science.fund_src_provincial is '投入经费：省级财政资金（万元）';

comment on column core_big_science.fund_src_municipal is '投入经费：市（地）级财政资金（万元）';

comment on column core_big_science.fund_src_county is '投入经费：县级财政资金（万元）';

comment on column core_big_science.fund_src_unit_self is '投入经费：单位自筹（万元）';

comment on column core_big_science.fund_src_domestic_other is '投入经费：其他境内资金（企业、社会）（万元）';

comment on column core_big_science.fund_src_foreign is '投入经费：境外（外方及港澳台）资金（万元）';

comment on column core_big_science.fund_reportable is '投入经费（计入统计，万元）';

create table core_choices (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    field VARCHAR,
    value VARCHAR
);

comment on table core_choices is '多选题（政策类型、主要问题）：版本×选项一行';

comment on column core_choices.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column core_choices.account_id is '账号ID';

comment on column core_choices.survey_year is '统计年度';

comment on column core_choices.field is '题目';

comment on column core_choices.value is '选项';

create table quality_warnings (
    version_id VARCHAR,
    account_id VARCHAR,
    survey_year INTEGER,
    code VARCHAR,
    severity VARCHAR,
    path VARCHAR,
    value VARCHAR,
    message_zh VARCHAR,
    message_en VARCHAR
);

comment on table quality_warnings is '软规则提示（随数据载入，可查询）';

comment on column quality_warnings.version_id is '文档版本ID（文件内容的SHA-256前32位）';

comment on column quality_warnings.account_id is '账号ID';

comment on column quality_warnings.survey_year is '统计年度';

comment on column quality_warnings.code is '规则编号';

comment on column quality_warnings.severity is 'S = 软规则';

comment on column quality_warnings.path is '字段路径';

comment on column quality_warnings.value is '取值';

comment on column quality_warnings.message_zh is '中文说明';

comment on column quality_warnings.message_en is 'English message';
