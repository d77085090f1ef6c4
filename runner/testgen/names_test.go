package testgen

import (
	"testing"
)

// The expected names and ids were worked out with dbt-core's own
// algorithm (synthesize_generic_test_names and the unique id hash of
// schema_generic_tests.py), and the jaffle_shop ids are those dbt writes
// in that project's manifest.
func TestSynthesizeNames(t *testing.T) {
	cases := []struct {
		testType, target string
		args             map[string]any
		short, full      string
	}{
		{"not_null", "orders", map[string]any{"column_name": "id"}, "not_null_orders_id", ""},
		{"unique", "orders", map[string]any{"column_name": "id", "model": "ignored"}, "unique_orders_id", ""},
		{"accepted_values", "fct_orders", map[string]any{"column_name": "status", "values": []any{"open", "closed"}},
			"accepted_values_fct_orders_status__open__closed", ""},
		{"relationships", "orders", map[string]any{"column_name": "customer_id", "to": "ref('customers')", "field": "id"},
			"relationships_orders_customer_id__id__ref_customers_", ""},
		{"source_not_null", "raw_events", map[string]any{"column_name": "id"}, "source_not_null_raw_events_id", ""},
		{"accepted_values", "orders", map[string]any{"column_name": "n", "values": []any{1, 2, 3}, "quote": false},
			"accepted_values_orders_n__False__1__2__3", ""},
		{"dbt_utils_expression_is_true", "orders", map[string]any{"expression": "amount >= 0 and amount < 1000"},
			"dbt_utils_expression_is_true_orders_amount_0_and_amount_1000", ""},
		{"accepted_values", "orders", map[string]any{"column_name": "flag", "values": []any{true, nil, 1.5, "it's"}},
			"accepted_values_orders_flag__True__None__1_5__it_s", ""},
		{"my_test", "orders", map[string]any{"column_name": "id", "opts": map[string]any{"a": []any{1, 2}, "b": "x y"}},
			"my_test_orders_id___1_2___x_y", ""},
		{"unique", "orders", map[string]any{"column_name": "coalesce(a, b) || '-' || c"}, "unique_orders_coalesce_a_b_c", ""},
		{"not_null", "commandes_été", map[string]any{"column_name": "prix_été"}, "not_null_commandes_été_prix__t_", ""},
		{"accepted_values", "orders", map[string]any{"column_name": "x", "values": []any{1e20, 0.0001, 1e-05, 2.0}},
			"accepted_values_orders_x__1e_20__0_0001__1e_05__2_0", ""},
		// 64 characters and more: the first 30 of "<type>_<target>" and an MD5.
		{"accepted_values", "orders", map[string]any{"column_name": "status", "values": []any{"placed", "shipped", "completed", "return_pending", "returned"}},
			"accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758",
			"accepted_values_orders_status__placed__shipped__completed__return_pending__returned"},
		{"source_relationships", "stripe_payments_with_a_long_name", map[string]any{"column_name": "order_id", "to": "source('shop', 'orders')", "field": "id"},
			"source_relationships_stripe_pa_5466a55f3d9dfb8a886679268626e68b",
			"source_relationships_stripe_payments_with_a_long_name_order_id__id__source_shop_orders_"},
		{"relationships", "a_model_with_quite_a_long_name_for_real", map[string]any{"column_name": "customer_id", "to": "ref('customers')", "field": "id"},
			"relationships_a_model_with_qui_ade815d392abfe62668bd657e426baf4",
			"relationships_a_model_with_quite_a_long_name_for_real_customer_id__id__ref_customers_"},
	}
	for _, c := range cases {
		if c.full == "" {
			c.full = c.short
		}
		short, full := synthesizeNames(c.testType, c.target, c.args)
		if short != c.short || full != c.full {
			t.Errorf("%s on %s %v:\n got %s / %s\nwant %s / %s", c.testType, c.target, c.args, short, full, c.short, c.full)
		}
		if n := len([]rune(short)); n > 63 {
			t.Errorf("%s is %d characters long", short, n)
		}
	}
}

func TestUniqueIDs(t *testing.T) {
	ref := func(m string) string { return "{{ get_where_subquery(ref('" + m + "')) }}" }
	cases := []struct {
		pkg, name, test, ns string
		kwargs              map[string]any
		want                string
	}{
		{"jaffle_shop", "unique_customers_customer_id", "unique", "",
			map[string]any{"column_name": "customer_id", "model": ref("customers")},
			"test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1"},
		{"jaffle_shop", "not_null_customers_customer_id", "not_null", "",
			map[string]any{"column_name": "customer_id", "model": ref("customers")},
			"test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d"},
		{"jaffle_shop", "relationships_orders_customer_id__customer_id__ref_customers_", "relationships", "",
			map[string]any{"column_name": "customer_id", "field": "customer_id", "to": "ref('customers')", "model": ref("orders")},
			"test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2"},
		{"jaffle_shop", "accepted_values_orders_status__placed__shipped__completed__return_pending__returned", "accepted_values", "",
			map[string]any{"column_name": "status", "values": []any{"placed", "shipped", "completed", "return_pending", "returned"}, "model": ref("orders")},
			"test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3"},
		{"shop", "source_not_null_raw_events_id", "not_null", "",
			map[string]any{"column_name": "id", "model": "{{ get_where_subquery(source('raw', 'events')) }}"},
			"test.shop.source_not_null_raw_events_id.e0dfd1a6a7"},
		{"shop", "dbt_utils_expression_is_true_orders_amount_0", "expression_is_true", "dbt_utils",
			map[string]any{"expression": "amount > 0", "model": ref("orders")},
			"test.shop.dbt_utils_expression_is_true_orders_amount_0.5789afd631"},
		{"shop", "accepted_values_orders_n__1__2__False", "accepted_values", "",
			map[string]any{"column_name": "n", "values": []any{1, 2}, "quote": false, "model": ref("orders")},
			"test.shop.accepted_values_orders_n__1__2__False.7a3ab27b03"},
	}
	for _, c := range cases {
		if got := uniqueID(c.pkg, c.name, c.test, c.ns, c.kwargs); got != c.want {
			t.Errorf("uniqueID(%s) = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestPyRepr(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{"tab\there\\", `'tab\there\\'`},
		{"\x01é", `'\x01é'`},
		{[]any{1, "a", nil, true, 2.5}, `[1, 'a', None, True, 2.5]`},
		{map[string]any{"b": 1, "a": []any{}}, `{'a': [], 'b': 1}`},
		{1.0, "1.0"},
		{1e16, "1e+16"},
		{123456789012345.0, "123456789012345.0"},
		{0.00001, "1e-05"},
		{-0.5, "-0.5"},
	}
	for _, c := range cases {
		if got := pyRepr(c.v); got != c.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}
