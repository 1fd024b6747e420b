import type { CustomValue } from './custom-field-values.validator.js';

/**
 * What the sandbox stores per record: the v2 fields (times kept as epoch ms and rendered by
 * record-views.ts), custom field values keyed by field key. Field names follow openapi-v2.yaml
 * (GetPersonsResponse, organizations, activities, deals) so the views are mostly a copy.
 */

export interface ContactItem {
  value: string;
  primary: boolean;
  label: string;
}

export interface PersonRecord {
  id: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  owner_id: number;
  org_id: number | null;
  add_time: number;
  update_time: number;
  emails: ContactItem[];
  phones: ContactItem[];
  is_deleted: boolean;
  visible_to: number;
  label_ids: number[];
  picture_id: number | null;
  custom: Record<string, CustomValue>;
}

export interface Address {
  value: string;
  country: string;
  admin_area_level_1: string | null;
  admin_area_level_2: string | null;
  locality: string;
  sublocality: string | null;
  route: string | null;
  street_number: string | null;
  subpremise: string | null;
  postal_code: string | null;
}

export interface OrganizationRecord {
  id: number;
  name: string;
  owner_id: number;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  visible_to: number;
  address: Address;
  label_ids: number[];
  website: string | null;
  linkedin: string | null;
  /** Standard single-option field; the option id (see INDUSTRIES in seed-account.generator.ts). */
  industry: number | null;
  annual_revenue: number | null;
  employee_count: number | null;
}

export interface ActivityRecord {
  id: number;
  subject: string;
  type: string;
  owner_id: number;
  creator_user_id: number;
  is_deleted: boolean;
  add_time: number;
  update_time: number;
  deal_id: number | null;
  person_id: number | null;
  org_id: number | null;
  due_date: string;
  due_time: string | null;
  duration: string | null;
  busy: boolean;
  done: boolean;
  marked_as_done_time: number | null;
  note: string | null;
}

export interface DealRecord {
  id: number;
  title: string;
  creator_user_id: number;
  owner_id: number;
  person_id: number | null;
  org_id: number | null;
  pipeline_id: number;
  stage_id: number;
  value: number;
  currency: string;
  add_time: number;
  update_time: number;
  stage_change_time: number | null;
  is_deleted: boolean;
  is_archived: boolean;
  status: 'open' | 'won' | 'lost';
  probability: number | null;
  lost_reason: string | null;
  visible_to: number;
  close_time: number | null;
  won_time: number | null;
  lost_time: number | null;
  expected_close_date: string | null;
  label_ids: number[];
}

export interface SandboxUser {
  id: number;
  name: string;
  email: string;
}
