# Deliberate mistakes: `mypy --strict` must report an error on every line marked `# mistake`
# and on no other line (tests/test_typing.py). Never run.
from pathlib import Path

import netfence

policies = Path("examples/online-shop/policies")

netfence.analyze(policies, fitler={"includeSelf": True})  # mistake: a misspelt keyword
netfence.validate(request={"sources": 3})  # mistake: a request field of the wrong type
netfence.validate(request={"source": []})  # mistake: an unknown request field
netfence.parse(policies, options={"maxInputByte": 10})  # mistake: an unknown nested field
netfence.parse(policies, options={"strict": "yes"})  # mistake: a nested field of the wrong type
netfence.review(policies, format="html")  # mistake: a value outside the enum
netfence.analyze(policies, filter={"focusDirection": "inbound"})  # mistake: a nested enum value
netfence.explain(policies, from_="shop/frontend")  # mistake: a required keyword left out
netfence.check(policies)  # mistake: `requirements` left out
netfence.diff(policies, head=policies)  # mistake: a positional input where only keywords go
netfence.parse(42)  # mistake: an input that is not text, a path, bytes or a dict
netfence.flow_map(policies, flows=3.5)  # mistake: flows that are not text, a path or a FlowSource
netfence.schema(nme="intent")  # mistake: a misspelt keyword
namespaces: str = netfence.parse(policies).counts.namespaces  # mistake: an int is not a str
netfence.parse(policies).counts.namespace  # mistake: a misspelt result attribute
valid: int = netfence.validate(policies).findings[0].location.pointer  # mistake: str | None is not int
try:
    netfence.parse("kind: [", options={"strict": True})
except netfence.NetfenceError as e:
    code: int = e.code  # mistake: the code is a str
netfence.Intent().namespace("shop", default_deny="Sometimes")  # mistake: a value outside the builder's enum
