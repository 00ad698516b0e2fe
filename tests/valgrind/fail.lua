nianbao.fail("data.csv:3: field \"x\": bad (y)")
