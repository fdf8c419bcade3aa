[module: Dapper.DapperAot]
[module: Dapper.BindTupleByName(true)]
