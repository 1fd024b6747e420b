import { z } from 'zod';
import { customFieldKey, v1Time } from './pipedrive-ids.js';

/**
 * The person fields of the account: Pipedrive's standard ones (fixed keys such as `name`,
 * `email`, `org_id`, edit_flag false) and custom ones (key = fresh 40-hex hash, edit_flag true),
 * as GET /v1/personFields lists them (openapi-v1.yaml, GetField). Option ids of enum/set fields
 * are account-wide integers, which is what v2 custom_fields values carry.
 */

/** field_type values POST /v1/personFields accepts (openapi-v1.yaml, createFieldRequest). */
export const CREATABLE_FIELD_TYPES = [
  'address', 'date', 'daterange', 'double', 'enum', 'monetary', 'org', 'people', 'phone', 'set',
  'text', 'time', 'timerange', 'user', 'varchar', 'varchar_auto', 'visible_to',
] as const;
export type CreatableFieldType = (typeof CREATABLE_FIELD_TYPES)[number];

export interface FieldOption {
  id: number;
  label: string;
}

export interface PersonField {
  id: number;
  key: string;
  name: string;
  order_nr: number;
  field_type: string;
  add_time: string;
  update_time: string;
  last_updated_by_user_id: number | null;
  created_by_user_id: number | null;
  active_flag: boolean;
  edit_flag: boolean;
  index_visible_flag: boolean;
  details_visible_flag: boolean;
  add_visible_flag: boolean;
  important_flag: boolean;
  bulk_edit_allowed: boolean;
  searchable_flag: boolean;
  filtering_allowed: boolean;
  sortable_flag: boolean;
  mandatory_flag: boolean;
  options: FieldOption[] | null;
}

export const createFieldSchema = z.object({
  name: z.string().trim().min(1, 'Name is required'),
  field_type: z.enum(CREATABLE_FIELD_TYPES),
  options: z.array(z.object({ label: z.string().trim().min(1) })).optional(),
  add_visible_flag: z.boolean().optional(),
});
export type CreateFieldInput = z.infer<typeof createFieldSchema>;

// key, name, field_type of Pipedrive's standard person fields (v1 personFields example: `title` style keys).
const STANDARD: Array<[string, string, string]> = [
  ['id', 'ID', 'int'],
  ['name', 'Name', 'varchar'],
  ['first_name', 'First name', 'varchar'],
  ['last_name', 'Last name', 'varchar'],
  ['label_ids', 'Labels', 'set'],
  ['org_id', 'Organization', 'org'],
  ['owner_id', 'Owner', 'user'],
  ['email', 'Email', 'varchar'],
  ['phone', 'Phone', 'phone'],
  ['visible_to', 'Visible to', 'visible_to'],
  ['add_time', 'Person created', 'date'],
  ['update_time', 'Update time', 'date'],
];

export const PERSON_LABELS: FieldOption[] = [
  { id: 1, label: 'Customer' },
  { id: 2, label: 'Hot lead' },
  { id: 3, label: 'Warm lead' },
  { id: 4, label: 'Cold lead' },
];

export class PersonFieldCatalog {
  private readonly fields: PersonField[] = [];
  private nextFieldId = 9001;
  private nextOptionId = 101;

  constructor(private readonly now: () => number, private readonly userId: number) {
    for (const [key, name, type] of STANDARD) {
      this.fields.push(this.make(key, name, type, key === 'label_ids' ? PERSON_LABELS : null, false, false));
    }
  }

  private make(key: string, name: string, type: string, options: FieldOption[] | null, custom: boolean, addVisible: boolean): PersonField {
    const t = v1Time(this.now());
    return {
      id: this.nextFieldId++, key, name, order_nr: this.fields.length, field_type: type, add_time: t, update_time: t,
      last_updated_by_user_id: custom ? this.userId : null, created_by_user_id: custom ? this.userId : null,
      active_flag: true, edit_flag: custom, index_visible_flag: true, details_visible_flag: true, add_visible_flag: addVisible,
      important_flag: false, bulk_edit_allowed: true, searchable_flag: false, filtering_allowed: true, sortable_flag: true,
      mandatory_flag: key === 'name', options,
    };
  }

  /** A new custom field; throws a message for Pipedrive's 400 when the input is not acceptable. */
  create(input: CreateFieldInput): PersonField {
    const needsOptions = input.field_type === 'enum' || input.field_type === 'set';
    if (needsOptions && !input.options?.length) throw new Error(`Options are required for field type ${input.field_type}`);
    if (!needsOptions && input.options?.length) throw new Error(`Options are only allowed for enum and set fields`);
    const options = needsOptions ? input.options!.map((o) => ({ id: this.nextOptionId++, label: o.label })) : null;
    const field = this.make(customFieldKey(), input.name, input.field_type, options, true, input.add_visible_flag ?? true);
    this.fields.push(field);
    return field;
  }

  all(): PersonField[] {
    return this.fields;
  }

  custom(): PersonField[] {
    return this.fields.filter((f) => f.edit_flag);
  }

  byKey(key: string): PersonField | undefined {
    return this.fields.find((f) => f.key === key);
  }

  /** The custom field called `name` (case-insensitive); for the control API, which speaks names. */
  customByName(name: string): PersonField | undefined {
    const n = name.toLowerCase();
    return this.custom().find((f) => f.name.toLowerCase() === n);
  }
}
