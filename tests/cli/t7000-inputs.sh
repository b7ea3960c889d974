#!/bin/bash
# Recipe inputs: image files and other assets, checked at load time.
. "$(dirname "$0")/lib.sh"

mkpng() { python3 "$TEST_TOP/tests/cli/mkpng.py" "$@"; }

setup() {
	rm -rf p && new_project p && mkdir -p p/products &&
	mkpng p/products/mug.png product 32 16 &&
	mkpng p/products/mask.png half 64 32
}

# one asset x taking the inputs in $1 (a YAML flow list)
one() {
	cat >p/recipes/a.yaml <<YAML
assets:
  - name: x
    prompt: a mug on a table
    seed: 1
    size: 64x32
    inputs: $1
YAML
}

# fails_with MESSAGE: the build exits 2 with exactly MESSAGE and writes nothing
fails_with() {
	tree_state p >before &&
	must_fail 2 assetgen -C p build 2>err &&
	printf '%s\n' "$1" >want && diff want err &&
	tree_state p >after && diff before after
}

test_expect_success 'a file input is read, and the build takes it' '
	setup && one "[products/mug.png]" &&
	assetgen -C p build >out && test -s p/dist/x.png &&
	grep -q "1 generated" out
'

test_expect_success 'a missing input file is an error at its place' '
	setup && one "[products/none.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/none.png'"'"': no such file"
'

test_expect_success 'a hostile header (100000x100000) is refused before any pixel is allocated' '
	setup && mkpng p/products/huge.png huge 1 1 && one "[products/huge.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/huge.png'"'"': image too large: 100000x100000 (limit 8192 pixels a side)"
'

test_expect_success 'an input wider than 8192 pixels is refused' '
	setup && mkpng p/products/wide.png flat:ffffff 8200 1 && one "[products/wide.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/wide.png'"'"': image too large: 8200x1 (limit 8192 pixels a side)"
'

test_expect_success 'a file that is no image, a truncated one and a directory are refused' '
	setup && echo hello >p/products/text.png && one "[products/text.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/text.png'"'"': not a PNG, JPEG or WebP image" &&
	head -c 60 p/products/mug.png >p/products/cut.png && one "[products/cut.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/cut.png'"'"': png: truncated" &&
	one "[products]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products'"'"': not a regular file (it is a directory)"
'

test_expect_success 'an input over 50 MiB is refused unread' '
	setup && truncate -s 51M p/products/big.png && one "[products/big.png]" &&
	fails_with "recipes/a.yaml:6:14: input '"'"'products/big.png'"'"': file too large (max 50 MiB)"
'

test_expect_success 'a mask must be the size of its image' '
	setup && one "[{file: products/mug.png, role: init, strength: 0.5}, {file: products/mask.png, role: mask}]" &&
	fails_with "recipes/a.yaml:6:74: mask '"'"'products/mask.png'"'"' is 64x32, but its image '"'"'products/mug.png'"'"' is 32x16: a mask must be the size of its image"
'

test_expect_success 'a mask needs an image, strength is for init, one init at most' '
	setup && one "[{file: products/mask.png, role: mask}]" &&
	fails_with "recipes/a.yaml:6:13: a mask needs an image to edit: add an input with role init or reference" &&
	one "[{file: products/mug.png, strength: 0.5}]" &&
	fails_with "recipes/a.yaml:6:49: '"'"'strength'"'"' is for role: init (this input'"'"'s role is reference)" &&
	one "[{file: products/mug.png, role: init, strength: 1.5}]" &&
	fails_with "recipes/a.yaml:6:61: '"'"'strength'"'"' must be between 0 and 1" &&
	one "[{file: products/mug.png, role: init}, {file: products/mug.png, role: init}]" &&
	fails_with "recipes/a.yaml:6:52: only one input may have role: init" &&
	one "[{file: a.png, asset: b}]" &&
	fails_with "recipes/a.yaml:6:14: an input takes '"'"'file'"'"' or '"'"'asset'"'"', not both" &&
	one "[{role: mask}]" &&
	fails_with "recipes/a.yaml:6:14: an input needs '"'"'file'"'"' or '"'"'asset'"'"'" &&
	one "[{asset: x, role: edit}]" &&
	fails_with "recipes/a.yaml:6:31: unknown role '"'"'edit'"'"' (did you mean '"'"'init'"'"'?)"
'

test_expect_success 'an input asset must exist' '
	setup && one "[{asset: ghost}]" &&
	fails_with "recipes/a.yaml:6:22: input asset '"'"'ghost'"'"' does not exist"
'

test_expect_success 'a cycle is named with each edge'"'"'s place' '
	setup && cat >p/recipes/a.yaml <<-YAML &&
	assets:
	  - name: a
	    prompt: p
	    seed: 1
	    inputs: [{asset: c}]
	  - name: b
	    prompt: p
	    seed: 1
	    inputs: [{asset: a}]
	YAML
	cat >p/recipes/b.yaml <<-YAML &&
	assets:
	  - name: c
	    prompt: p
	    seed: 1
	    inputs:
	      - products/mug.png
	      - asset: b
	YAML
	fails_with "recipes/a.yaml:5:22: inputs form a cycle: a -> c -> b -> a (a takes c at recipes/a.yaml:5:22; c takes b at recipes/b.yaml:7:16; b takes a at recipes/a.yaml:9:22)" &&
	one "[{asset: x}]" &&
	rm p/recipes/b.yaml &&
	fails_with "recipes/a.yaml:6:22: inputs form a cycle: x -> x (x takes x at recipes/a.yaml:6:22)"
'

test_expect_success 'inputs in defaults, with matrix placeholders; an asset'"'"'s own list replaces them' '
	setup && cat >p/recipes/a.yaml <<-YAML &&
	assets:
	  - name: bg-{c}
	    matrix: {c: [red, blue]}
	    prompt: a {c} room
	    seed: 1
	    size: 32x16
	YAML
	cat >p/recipes/b.yaml <<-YAML &&
	defaults:
	  size: 32x16
	  inputs:
	    - asset: bg-{c}
	      role: init
	      strength: 0.4
	    - products/mug.png
	assets:
	  - name: hero-{c}
	    matrix: {c: [red, blue]}
	    prompt: a mug, {c}
	    seed: 2
	  - name: solo
	    prompt: a mug alone
	    seed: 3
	    inputs: [products/mug.png]
	YAML
	assetgen -C p graph >g &&
	grep -q "\"bg-red\" -> \"hero-red\" \[label=init" g &&
	grep -q "\"bg-blue\" -> \"hero-blue\" \[label=init" g &&
	grep -q "\"products/mug.png\" -> \"hero-red\" \[label=reference" g &&
	grep -q "\"products/mug.png\" -> \"solo\"" g &&
	! grep -q "\"bg-.*\" -> \"solo\"" g &&
	assetgen -C p build >out && grep -q "5 generated" out
'

test_expect_success 'a placeholder in an input that the asset has no matrix for is an error' '
	setup && cat >p/recipes/a.yaml <<-YAML &&
	assets:
	  - name: x
	    prompt: p
	    seed: 1
	    inputs:
	      - asset: bg-{c}
	YAML
	fails_with "recipes/a.yaml:6:16: undefined placeholder '"'"'{c}'"'"' (this asset has no matrix)"
'

test_done
