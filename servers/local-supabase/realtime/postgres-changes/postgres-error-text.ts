/**
 * A Postgres error as upstream puts it into "…Exception: <text>": Elixir's
 * `Exception.message(%Postgrex.Error{})`, i.e. `<severity> <SQLSTATE> (<condition name>) <message>`
 * (e.g. `ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "hey"`,
 * supabase/realtime test/realtime/extensions/cdc_rls/subscriptions_test.exs), then the detail
 * after a blank line. A `raise exception` in the real `subscription_check_filters` trigger is
 * `ERROR P0001 (raise_exception) <message>`.
 */
export function postgrexErrorText(error: { severity?: string; code: string; message: string; detail?: string }): string {
  const name = CONDITION_NAMES[error.code];
  const head = `${error.severity ?? 'ERROR'} ${error.code}${name ? ` (${name})` : ''} ${error.message}`;
  return error.detail ? `${head}\n\n${error.detail}` : head;
}

/** What the local trigger-equivalent checks raise (PL/pgSQL `raise exception`). */
export function raisedExceptionText(message: string): string {
  return postgrexErrorText({ code: 'P0001', message });
}

/**
 * Condition names (Postgres `errcodes.txt`) of the errors a filter value's cast, operator or
 * regular expression can raise here. An unlisted code is shown without a name.
 */
const CONDITION_NAMES: Readonly<Record<string, string>> = {
  '22000': 'data_exception',
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22004': 'null_value_not_allowed',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22009': 'invalid_time_zone_displacement_value',
  '22012': 'division_by_zero',
  '22015': 'interval_field_overflow',
  '22018': 'invalid_character_value_for_cast',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '22025': 'invalid_escape_sequence',
  '2201B': 'invalid_regular_expression',
  '2202E': 'array_subscript_error',
  '22P01': 'floating_point_exception',
  '22P02': 'invalid_text_representation',
  '22P03': 'invalid_binary_representation',
  '22P05': 'untranslatable_character',
  '22032': 'invalid_json_text',
  '2200N': 'invalid_xml_content',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42704': 'undefined_object',
  '42804': 'datatype_mismatch',
  '42846': 'cannot_coerce',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '54000': 'program_limit_exceeded',
  '54001': 'statement_too_complex',
  P0001: 'raise_exception',
};
