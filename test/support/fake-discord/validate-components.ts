import type { FormErrors } from "./api-error.js";
import { charLength, isObject, num, str } from "./json-guards.js";
import type { Json, JsonObject } from "./types.js";

/** Component types (https://discord.com/developers/docs/components/reference). */
export const ComponentType = {
  ActionRow: 1,
  Button: 2,
  StringSelect: 3,
  TextInput: 4,
  UserSelect: 5,
  RoleSelect: 6,
  MentionableSelect: 7,
  ChannelSelect: 8,
  Section: 9,
  TextDisplay: 10,
  Thumbnail: 11,
  MediaGallery: 12,
  File: 13,
  Separator: 14,
  Container: 17,
  Label: 18,
} as const;

const SELECTS: readonly number[] = [3, 5, 6, 7, 8];
const V2_TOP_LEVEL: readonly number[] = [1, 9, 10, 12, 13, 14, 17];

type Path = Array<string | number>;

interface Walk {
  errors: FormErrors;
  customIds: Set<string>;
  count: number;
  textLength: number;
}

function checkString(walk: Walk, path: Path, value: unknown, max: number, required: boolean): void {
  if (value === undefined || value === null || value === "") {
    if (required) walk.errors.required(path);
    return;
  }
  const text = str(value);
  if (text === undefined) walk.errors.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.");
  else if (charLength(text) > max) walk.errors.maxLength(path, max);
}

function checkCustomId(walk: Walk, path: Path, value: unknown): void {
  checkString(walk, path, value, 100, true);
  const id = str(value);
  if (id === undefined || id === "") return;
  if (walk.customIds.has(id)) {
    walk.errors.add(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated");
  }
  walk.customIds.add(id);
}

function checkButton(walk: Walk, path: Path, c: JsonObject): void {
  const style = num(c["style"]);
  if (style === undefined || style < 1 || style > 6) {
    walk.errors.add([...path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).");
    return;
  }
  checkString(walk, [...path, "label"], c["label"], 80, false);
  if (style === 5) {
    if (c["custom_id"] !== undefined) {
      walk.errors.add([...path, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id is not allowed");
    }
    checkString(walk, [...path, "url"], c["url"], 512, true);
  } else if (style === 6) {
    checkString(walk, [...path, "sku_id"], c["sku_id"], 20, true);
  } else {
    if (c["url"] !== undefined) {
      walk.errors.add([...path, "url"], "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url is not allowed");
    }
    checkCustomId(walk, [...path, "custom_id"], c["custom_id"]);
    if (c["label"] === undefined && c["emoji"] === undefined) {
      walk.errors.add(path, "BUTTON_COMPONENT_INVALID", "A label or emoji is required");
    }
  }
}

function checkSelect(walk: Walk, path: Path, c: JsonObject, type: number): void {
  checkCustomId(walk, [...path, "custom_id"], c["custom_id"]);
  checkString(walk, [...path, "placeholder"], c["placeholder"], 150, false);
  const min = num(c["min_values"]);
  const max = num(c["max_values"]);
  if (min !== undefined && (min < 0 || min > 25))
    walk.errors.add([...path, "min_values"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.");
  if (max !== undefined && (max < 1 || max > 25))
    walk.errors.add([...path, "max_values"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.");
  if (type !== ComponentType.StringSelect) return;
  const options = c["options"];
  if (!Array.isArray(options) || options.length === 0 || options.length > 25) {
    walk.errors.badLength([...path, "options"], 1, 25);
    return;
  }
  options.forEach((o, i) => {
    const op = [...path, "options", i];
    if (!isObject(o)) return walk.errors.add(op, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    checkString(walk, [...op, "label"], o["label"], 100, true);
    checkString(walk, [...op, "value"], o["value"], 100, true);
    checkString(walk, [...op, "description"], o["description"], 100, false);
  });
}

function checkRow(walk: Walk, path: Path, row: JsonObject, inModal: boolean): void {
  const children = row["components"];
  if (!Array.isArray(children) || children.length === 0 || children.length > 5) {
    walk.errors.badLength([...path, "components"], 1, 5);
    return;
  }
  const types = children.map((c) => (isObject(c) ? num(c["type"]) : undefined));
  if (types.length > 1 && types.some((t) => t !== ComponentType.Button)) {
    walk.errors.add(
      [...path, "components"],
      "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
      "The specified component exceeds the maximum width",
    );
  }
  children.forEach((child, i) => checkComponent(walk, [...path, "components", i], child, inModal));
}

function checkComponent(walk: Walk, path: Path, c: Json, inModal: boolean): void {
  walk.count += 1;
  if (!isObject(c)) {
    walk.errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    return;
  }
  const type = num(c["type"]) ?? -1;
  if (type === ComponentType.ActionRow) checkRow(walk, path, c, inModal);
  else if (type === ComponentType.Button) checkButton(walk, path, c);
  else if (SELECTS.includes(type)) checkSelect(walk, path, c, type);
  else if (type === ComponentType.TextInput) {
    if (!inModal)
      walk.errors.add([...path, "type"], "COMPONENT_TYPE_INVALID", "Text inputs are only allowed in modals");
    checkCustomId(walk, [...path, "custom_id"], c["custom_id"]);
    checkString(walk, [...path, "label"], c["label"], 45, false);
    checkString(walk, [...path, "value"], c["value"], 4000, false);
    checkString(walk, [...path, "placeholder"], c["placeholder"], 100, false);
  } else if (type === ComponentType.TextDisplay) {
    const content = str(c["content"]) ?? "";
    if (content === "") walk.errors.required([...path, "content"]);
    walk.textLength += charLength(content);
  } else if (type === ComponentType.Section || type === ComponentType.Container || type === ComponentType.Label) {
    const children = c["components"];
    if (Array.isArray(children))
      children.forEach((ch, i) => checkComponent(walk, [...path, "components", i], ch, inModal));
    const accessory = c["accessory"];
    if (accessory !== undefined) checkComponent(walk, [...path, "accessory"], accessory, inModal);
    const single = c["component"];
    if (single !== undefined) checkComponent(walk, [...path, "component"], single, inModal);
  } else if (![11, 12, 13, 14].includes(type)) {
    walk.errors.add(
      [...path, "type"],
      "UNION_TYPE_CHOICES",
      `Value of field "type" must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18).`,
    );
  }
}

/**
 * Validates message components: legacy layout (≤ 5 action rows of ≤ 5 buttons or 1 select) or,
 * with the IS_COMPONENTS_V2 flag, ≤ 40 components in total and ≤ 4000 characters of text.
 */
export function validateComponents(errors: FormErrors, components: Json[], v2: boolean, inModal = false): void {
  const walk: Walk = { errors, customIds: new Set(), count: 0, textLength: 0 };
  if (!v2 && components.length > 5) errors.maxLength(["components"], 5);
  components.forEach((c, i) => {
    const type = isObject(c) ? num(c["type"]) : undefined;
    if (!v2 && !inModal && type !== ComponentType.ActionRow) {
      errors.add(["components", i, "type"], "UNION_TYPE_CHOICES", "Top-level components must be action rows.");
      return;
    }
    if (v2 && type !== undefined && !V2_TOP_LEVEL.includes(type)) {
      errors.add(["components", i, "type"], "UNION_TYPE_CHOICES", "Component type is not allowed at the top level.");
      return;
    }
    checkComponent(walk, ["components", i], c, inModal);
  });
  if (v2 && walk.count > 40) errors.maxLength(["components"], 40);
  if (walk.textLength > 4000)
    errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Total text length must be 4000 or fewer.");
}

/** custom_id of every interactive component (for invokeComponent). */
export function findComponent(components: readonly Json[], customId: string): JsonObject | undefined {
  for (const c of components) {
    if (!isObject(c)) continue;
    if (c["custom_id"] === customId) return c;
    for (const key of ["components", "accessory", "component"]) {
      const nested = c[key];
      const list = Array.isArray(nested) ? nested : nested !== undefined ? [nested] : [];
      const found = findComponent(list, customId);
      if (found) return found;
    }
  }
  return undefined;
}
