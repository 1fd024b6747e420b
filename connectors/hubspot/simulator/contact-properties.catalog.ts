/**
 * The contact property definitions the sandbox knows, shaped like HubSpot's properties API
 * (`GET /crm/v3/properties/contacts`). Validation of writes and typing of search filters
 * both come from here, so a property that is not defined cannot be written (HubSpot answers
 * PROPERTY_DOESNT_EXIST) and the custom `qualify_*` properties exist only once created.
 */

export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  /** HubSpot refuses API writes to these (hs_object_id, lastmodifieddate). */
  readOnlyValue: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  createdUserId?: string;
}

export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** HubSpot's default lifecycle stages, in the order the forward-only rule uses. */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;

export const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
] as const;

export const ANALYTICS_SOURCES = [
  'ORGANIC_SEARCH',
  'PAID_SEARCH',
  'EMAIL_MARKETING',
  'SOCIAL_MEDIA',
  'REFERRALS',
  'OTHER_CAMPAIGNS',
  'DIRECT_TRAFFIC',
  'OFFLINE',
  'PAID_SOCIAL',
] as const;

export const EMPLOYEE_RANGES = ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'] as const;

const DEFINED_AT = '2019-08-06T14:54:12.063Z';

const STAGE_LABELS: Record<(typeof LIFECYCLE_STAGES)[number], string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  marketingqualifiedlead: 'Marketing Qualified Lead',
  salesqualifiedlead: 'Sales Qualified Lead',
  opportunity: 'Opportunity',
  customer: 'Customer',
  evangelist: 'Evangelist',
  other: 'Other',
};

function titleCase(value: string): string {
  return value
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

function options(values: readonly string[], label: (v: string) => string = (v) => v): PropertyOption[] {
  return values.map((value, i) => ({ label: label(value), value, displayOrder: i, hidden: false }));
}

type Spec = [name: string, label: string, type: PropertyType, fieldType: string, group: string, extra?: Partial<PropertyDefinition>];

const STANDARD: Spec[] = [
  ['email', 'Email', 'string', 'text', 'contactinformation', { hasUniqueValue: false, formField: true }],
  ['firstname', 'First Name', 'string', 'text', 'contactinformation', { formField: true }],
  ['lastname', 'Last Name', 'string', 'text', 'contactinformation', { formField: true }],
  ['jobtitle', 'Job Title', 'string', 'text', 'contactinformation', { formField: true }],
  ['company', 'Company Name', 'string', 'text', 'contactinformation', { formField: true }],
  ['website', 'Website URL', 'string', 'text', 'contactinformation', { formField: true }],
  ['phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation', { formField: true }],
  ['city', 'City', 'string', 'text', 'contactinformation', { formField: true }],
  ['state', 'State/Region', 'string', 'text', 'contactinformation', { formField: true }],
  ['country', 'Country/Region', 'string', 'text', 'contactinformation', { formField: true }],
  ['industry', 'Industry', 'string', 'text', 'contactinformation', { formField: true }],
  ['numemployees', 'Number of Employees', 'enumeration', 'select', 'contactinformation', { options: options(EMPLOYEE_RANGES), formField: true }],
  ['annualrevenue', 'Annual Revenue', 'string', 'text', 'contactinformation', { formField: true }],
  ['hs_email_domain', 'Email Domain', 'string', 'text', 'contactinformation', { calculated: true, readOnlyValue: true }],
  [
    'lifecyclestage',
    'Lifecycle Stage',
    'enumeration',
    'radio',
    'contactinformation',
    { options: options(LIFECYCLE_STAGES, (v) => STAGE_LABELS[v as (typeof LIFECYCLE_STAGES)[number]]), formField: true },
  ],
  ['hs_lead_status', 'Lead Status', 'enumeration', 'radio', 'sales_properties', { options: options(LEAD_STATUSES, titleCase), formField: true }],
  ['createdate', 'Create Date', 'datetime', 'date', 'contactinformation'],
  ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'contactinformation', { readOnlyValue: true }],
  ['hs_object_id', 'Record ID', 'number', 'number', 'contactinformation', { readOnlyValue: true }],
  ['hs_analytics_source', 'Original Source', 'enumeration', 'select', 'analyticsinformation', { options: options(ANALYTICS_SOURCES, titleCase), readOnlyValue: true }],
  ['hs_analytics_num_page_views', 'Number of Pageviews', 'number', 'number', 'analyticsinformation', { readOnlyValue: true }],
  ['hs_analytics_num_visits', 'Number of Sessions', 'number', 'number', 'analyticsinformation', { readOnlyValue: true }],
  ['hs_analytics_last_visit_timestamp', 'Time of Last Session', 'datetime', 'date', 'analyticsinformation', { readOnlyValue: true }],
  ['first_conversion_event_name', 'First Conversion', 'string', 'text', 'conversioninformation', { readOnlyValue: true }],
  ['first_conversion_date', 'First Conversion Date', 'datetime', 'date', 'conversioninformation', { readOnlyValue: true }],
  ['recent_conversion_event_name', 'Recent Conversion', 'string', 'text', 'conversioninformation', { readOnlyValue: true }],
  ['recent_conversion_date', 'Recent Conversion Date', 'datetime', 'date', 'conversioninformation', { readOnlyValue: true }],
  ['num_conversion_events', 'Number of Form Submissions', 'number', 'number', 'conversioninformation', { readOnlyValue: true }],
  ['hs_email_delivered', 'Marketing emails delivered', 'number', 'number', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_open', 'Marketing emails opened', 'number', 'number', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_click', 'Marketing emails clicked', 'number', 'number', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_bounce', 'Marketing emails bounced', 'number', 'number', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_last_open_date', 'Last marketing email open date', 'datetime', 'date', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_last_click_date', 'Last marketing email click date', 'datetime', 'date', 'emailinformation', { readOnlyValue: true }],
  ['hs_email_optout', 'Unsubscribed from all email', 'bool', 'booleancheckbox', 'emailinformation', {
    options: [
      { label: 'True', value: 'true', displayOrder: 0, hidden: false },
      { label: 'False', value: 'false', displayOrder: 1, hidden: false },
    ],
  }],
];

export function standardContactProperties(): PropertyDefinition[] {
  return STANDARD.map(([name, label, type, fieldType, groupName, extra], i) => ({
    name,
    label,
    type,
    fieldType,
    groupName,
    description: '',
    options: [],
    displayOrder: i,
    hidden: false,
    formField: false,
    hasUniqueValue: false,
    hubspotDefined: true,
    calculated: false,
    externalOptions: false,
    readOnlyValue: false,
    createdAt: DEFINED_AT,
    updatedAt: DEFINED_AT,
    archived: false,
    ...extra,
  }));
}

export function standardContactGroups(): PropertyGroupDefinition[] {
  return [
    { name: 'contactinformation', label: 'Contact information', displayOrder: -1, archived: false },
    { name: 'emailinformation', label: 'Email information', displayOrder: -1, archived: false },
    { name: 'analyticsinformation', label: 'Web analytics history', displayOrder: -1, archived: false },
    { name: 'conversioninformation', label: 'Conversion information', displayOrder: -1, archived: false },
    { name: 'sales_properties', label: 'Sales properties', displayOrder: -1, archived: false },
  ];
}

/** What the properties API answers: HubSpot's wire shape (modificationMetadata, no internals). */
export function toPropertyResponse(def: PropertyDefinition): Record<string, unknown> {
  const { readOnlyValue, ...rest } = def;
  return {
    ...rest,
    modificationMetadata: {
      archivable: !def.hubspotDefined,
      readOnlyDefinition: def.hubspotDefined,
      readOnlyValue,
    },
  };
}

/** The properties v3 returns for a contact when the caller names none. */
export const DEFAULT_CONTACT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];

/** Always present in v3 object responses, requested or not. */
export const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'];
