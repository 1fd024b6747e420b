/**
 * Field metadata the simulator describes (`GET sobjects/{type}/describe`), shaped like Salesforce's
 * DescribeSObjectResult fields: name, label, type, length / precision / scale, picklistValues and
 * restrictedPicklist, updateable, custom. Only the objects and fields qualify reads or writes.
 */

export interface SimField {
  name: string;
  label: string;
  type: 'id' | 'string' | 'email' | 'url' | 'phone' | 'picklist' | 'boolean' | 'int' | 'double' | 'currency' | 'datetime' | 'date' | 'reference' | 'textarea';
  length?: number;
  precision?: number;
  scale?: number;
  updateable?: boolean;
  custom?: boolean;
  picklist?: string[];
  restricted?: boolean;
  defaultValue?: string;
}

const sys: SimField[] = [
  { name: 'Id', label: 'Record ID', type: 'id', length: 18, updateable: false },
  { name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
  { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', updateable: false },
  { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', updateable: false },
  { name: 'IsDeleted', label: 'Deleted', type: 'boolean', updateable: false },
];

const person: SimField[] = [
  { name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
  { name: 'LastName', label: 'Last Name', type: 'string', length: 80 },
  { name: 'Email', label: 'Email', type: 'email', length: 80 },
  { name: 'Title', label: 'Title', type: 'string', length: 128 },
  { name: 'LeadSource', label: 'Lead Source', type: 'picklist', picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] },
  { name: 'HasOptedOutOfEmail', label: 'Email Opt Out', type: 'boolean' },
  { name: 'DoNotCall', label: 'Do Not Call', type: 'boolean' },
  { name: 'EmailBouncedReason', label: 'Email Bounced Reason', type: 'string', length: 255 },
  { name: 'IsEmailBounced', label: 'Email Bounced', type: 'boolean', updateable: false },
];

/** The custom fields qualify writes, as an admin would create them (see README). */
export const QUALIFY_CUSTOM_FIELDS: SimField[] = [
  { name: 'Qualify_Score__c', label: 'Qualify Score', type: 'double', precision: 3, scale: 0, custom: true },
  { name: 'Qualify_Fit__c', label: 'Qualify Fit', type: 'double', precision: 3, scale: 0, custom: true },
  { name: 'Qualify_Engagement__c', label: 'Qualify Engagement', type: 'double', precision: 3, scale: 0, custom: true },
  { name: 'Qualify_Grade__c', label: 'Qualify Grade', type: 'string', length: 1, custom: true },
  { name: 'Qualify_Segment__c', label: 'Qualify Segment', type: 'string', length: 40, custom: true },
  { name: 'Qualify_Reasons__c', label: 'Qualify Reasons', type: 'textarea', length: 1000, custom: true },
  { name: 'Qualify_Model_Version__c', label: 'Qualify Model Version', type: 'string', length: 40, custom: true },
];

export const DEFAULT_LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];

export function objectFields(leadStatuses: string[]): Record<string, SimField[]> {
  return {
    Lead: [
      ...sys,
      ...person,
      { name: 'Company', label: 'Company', type: 'string', length: 255 },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'Industry', label: 'Industry', type: 'picklist', picklist: ['Technology', 'Finance', 'Healthcare', 'Manufacturing', 'Retail', 'Education', 'Media'] },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', precision: 8, scale: 0 },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'Country', label: 'Country', type: 'string', length: 80 },
      { name: 'Status', label: 'Lead Status', type: 'picklist', picklist: leadStatuses, restricted: true, defaultValue: leadStatuses[0] },
      { name: 'Rating', label: 'Rating', type: 'picklist', picklist: ['Hot', 'Warm', 'Cold'] },
      { name: 'IsConverted', label: 'Converted', type: 'boolean', updateable: false },
      { name: 'ConvertedContactId', label: 'Converted Contact ID', type: 'reference', length: 18, updateable: false },
      { name: 'ConvertedDate', label: 'Converted Date', type: 'date', updateable: false },
      ...QUALIFY_CUSTOM_FIELDS,
    ],
    Contact: [
      ...sys,
      ...person,
      { name: 'AccountId', label: 'Account ID', type: 'reference', length: 18 },
      { name: 'Department', label: 'Department', type: 'string', length: 80 },
      { name: 'MailingCountry', label: 'Mailing Country', type: 'string', length: 80 },
      ...QUALIFY_CUSTOM_FIELDS,
    ],
    Account: [
      ...sys,
      { name: 'Name', label: 'Account Name', type: 'string', length: 255 },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'Industry', label: 'Industry', type: 'picklist', picklist: ['Technology', 'Finance', 'Healthcare', 'Manufacturing', 'Retail', 'Education', 'Media'] },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', precision: 8, scale: 0 },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 },
    ],
    Task: [
      ...sys,
      { name: 'WhoId', label: 'Name ID', type: 'reference', length: 18 },
      { name: 'Subject', label: 'Subject', type: 'string', length: 255 },
      { name: 'TaskSubtype', label: 'Task Subtype', type: 'picklist', picklist: ['Task', 'Email', 'Call', 'ListEmail', 'Cadence'] },
      { name: 'Type', label: 'Type', type: 'picklist', picklist: ['Call', 'Email', 'Meeting', 'Other'] },
      { name: 'Status', label: 'Status', type: 'picklist', picklist: ['Not Started', 'In Progress', 'Completed'] },
      { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
      { name: 'CompletedDateTime', label: 'Completed Date/Time', type: 'datetime' },
    ],
    Event: [
      ...sys,
      { name: 'WhoId', label: 'Name ID', type: 'reference', length: 18 },
      { name: 'Subject', label: 'Subject', type: 'string', length: 255 },
      { name: 'EventSubtype', label: 'Event Subtype', type: 'picklist', picklist: ['Event'] },
      { name: 'Type', label: 'Type', type: 'picklist', picklist: ['Call', 'Email', 'Meeting', 'Other'] },
      { name: 'StartDateTime', label: 'Start Date Time', type: 'datetime' },
      { name: 'EndDateTime', label: 'End Date Time', type: 'datetime' },
    ],
    Campaign: [
      ...sys,
      { name: 'Name', label: 'Name', type: 'string', length: 80 },
      { name: 'Type', label: 'Type', type: 'picklist', picklist: ['Webinar', 'Email', 'Conference', 'Content', 'Advertisement'] },
    ],
    Organization: [
      { name: 'Id', label: 'Organization ID', type: 'id', length: 18, updateable: false },
      { name: 'Name', label: 'Name', type: 'string', length: 80, updateable: false },
      { name: 'OrganizationType', label: 'Edition', type: 'string', length: 40, updateable: false },
      { name: 'IsSandbox', label: 'Is Sandbox', type: 'boolean', updateable: false },
      { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', updateable: false },
    ],
    CampaignMember: [
      ...sys,
      { name: 'CampaignId', label: 'Campaign ID', type: 'reference', length: 18 },
      { name: 'LeadId', label: 'Lead ID', type: 'reference', length: 18 },
      { name: 'ContactId', label: 'Contact ID', type: 'reference', length: 18 },
      { name: 'Status', label: 'Status', type: 'picklist', picklist: ['Sent', 'Responded', 'Registered', 'Attended'] },
      { name: 'HasResponded', label: 'Responded', type: 'boolean', updateable: false },
      { name: 'FirstRespondedDate', label: 'First Responded Date', type: 'date', updateable: false },
    ],
  };
}

/** Parent relationships a SOQL path may follow: Contact.Account.Name, CampaignMember.Campaign.Type. */
export const RELATIONSHIPS: Record<string, Record<string, { field: string; object: string }>> = {
  Contact: { Account: { field: 'AccountId', object: 'Account' } },
  CampaignMember: { Campaign: { field: 'CampaignId', object: 'Campaign' }, Lead: { field: 'LeadId', object: 'Lead' }, Contact: { field: 'ContactId', object: 'Contact' } },
  Task: {},
  Event: {},
  Lead: {},
  Account: {},
  Campaign: {},
  Organization: {},
};

export const KEY_PREFIX: Record<string, string> = {
  Lead: '00Q',
  Contact: '003',
  Account: '001',
  Task: '00T',
  Event: '00U',
  Campaign: '701',
  CampaignMember: '00v',
  Organization: '00D',
};

const REFERENCE_TARGET: Record<string, string> = { WhoId: 'Lead', ConvertedContactId: 'Contact' };

export function describeField(f: SimField) {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    length: f.length ?? 0,
    precision: f.precision ?? 0,
    scale: f.scale ?? 0,
    custom: f.custom ?? false,
    updateable: f.updateable ?? f.type !== 'id',
    createable: f.updateable ?? f.type !== 'id',
    nillable: f.type !== 'boolean' && f.name !== 'Id',
    restrictedPicklist: f.restricted ?? false,
    relationshipName: f.type === 'reference' && f.name.endsWith('Id') ? f.name.slice(0, -2) : null,
    referenceTo: f.type === 'reference' ? [REFERENCE_TARGET[f.name] ?? f.name.slice(0, -2)] : [],
    defaultValue: null,
    picklistValues: (f.picklist ?? []).map((v) => ({ active: true, defaultValue: v === f.defaultValue, label: v, validFor: null, value: v })),
  };
}
